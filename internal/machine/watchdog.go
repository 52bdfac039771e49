package machine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// WatchdogInterval is how often the Watchdog looks for stuck machines.
const WatchdogInterval = time.Minute

// Watchdog fails machines that stayed in a transient state longer than that
// state's timeout without progress, so no machine waits forever on an agent
// or an OS that never calls back. It is a component: Run until ctx ends.
type Watchdog struct {
	DB  *store.DB
	Log *slog.Logger
	// Interval between checks (WatchdogInterval when zero).
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Run checks every Interval until ctx ends, then returns nil. A failed check
// is logged and retried at the next tick.
func (w *Watchdog) Run(ctx context.Context) error {
	every := w.Interval
	if every <= 0 {
		every = WatchdogInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := w.Check(ctx); err != nil && ctx.Err() == nil {
				w.Log.Warn("watchdog: check failed; retrying at the next tick", "err", err)
			}
		}
	}
}

// Check fails every machine whose transient state has timed out, in one
// transaction, and returns their names.
func (w *Watchdog) Check(ctx context.Context) ([]string, error) {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	var failed []string
	err := w.DB.Update(ctx, func(tx *store.Tx) error {
		failed = failed[:0]
		ms, err := tx.ListMachines(store.MachineFilter{})
		if err != nil {
			return err
		}
		for i := range ms {
			m := &ms[i]
			s := State(m.State)
			d := s.Timeout()
			if !s.Transient() || d <= 0 || now().Sub(m.StateChangedAt) < d {
				continue
			}
			c := Cause{Reason: "timeout", Actor: "system",
				Message: fmt.Sprintf("timeout: no progress in %s for %s", s, d)}
			if err := Apply(tx, m, Fail, c); err != nil {
				return err
			}
			failed = append(failed, m.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("watchdog: %w", err)
	}
	for _, name := range failed {
		w.Log.Warn("machine timed out", "machine", name)
	}
	return failed, nil
}
