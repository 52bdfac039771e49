package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/sync/errgroup"
)

// component is one long-running part of the appliance.
type component struct {
	name string
	run  func(context.Context) error
}

// runComponents runs every component until ctx ends or one of them stops:
// the first to stop cancels the others. A component that returns while ctx
// is still live stopped unexpectedly, which is an error even when it returned
// nil. Cancellation is a clean stop (nil).
func runComponents(ctx context.Context, log *slog.Logger, cs []component) error {
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	for _, c := range cs {
		clog := log.With("component", c.name)
		g.Go(func() error {
			clog.Debug("component starting")
			err := c.run(ctx)
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				clog.Error("component failed", "err", err)
				return fmt.Errorf("%s: %w", c.name, err)
			case ctx.Err() == nil:
				clog.Error("component stopped unexpectedly")
				return fmt.Errorf("%s: stopped unexpectedly", c.name)
			}
			clog.Debug("component stopped")
			return nil
		})
	}
	err := g.Wait()
	if err != nil && parent.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	if err == nil {
		log.Info("stopped")
	}
	return err
}
