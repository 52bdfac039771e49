package image

import (
	"context"
	"fmt"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Run imports the declared images at start and again whenever the
// inventory generation changes, until ctx ends.
func (c *Catalogue) Run(ctx context.Context) error {
	last := int64(-1)
	t := time.NewTicker(c.cfg.PollInterval)
	defer t.Stop()
	for {
		gen, err := c.generation(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			c.log.Warn("image: read inventory generation", "err", err)
		case err == nil && gen != last:
			if err := c.Sync(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("image: sync", "err", err)
			} else {
				last = gen
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (c *Catalogue) generation(ctx context.Context) (int64, error) {
	var gen int64
	err := c.db.View(ctx, func(tx *store.Tx) error {
		var err error
		gen, err = tx.InventoryGeneration()
		return err
	})
	return gen, err
}

// Sync imports every declared image that is not ready with its declared
// content, and forgets the images no longer declared (their status and
// name link; content files stay). An image that fails is recorded as
// failed; the error is only for the store.
func (c *Catalogue) Sync(ctx context.Context) error {
	var (
		objs     []store.Object
		statuses []store.ImageStatus
	)
	err := c.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if objs, err = tx.ListObjects(string(inventory.KindImage)); err != nil {
			return err
		}
		statuses, err = tx.ListImageStatus()
		return err
	})
	if err != nil {
		return fmt.Errorf("image: sync: %w", err)
	}
	byName := make(map[string]store.ImageStatus, len(statuses))
	for _, s := range statuses {
		byName[s.Name] = s
	}
	for _, o := range objs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		delete(byName, o.Name)
		c.syncOne(ctx, o)
	}
	for name := range byName {
		if err := c.forget(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// syncOne imports one declared image unless it is ready as declared.
func (c *Catalogue) syncOne(ctx context.Context, o store.Object) {
	spec, err := decodeSpec(o)
	if err != nil {
		c.log.Warn("image: sync", "image", o.Name, "err", err)
		return
	}
	st, known := c.current(ctx, o.Name)
	if known && st.Status == store.ImageReady && st.SHA256 == spec.SHA256 && st.Format == spec.Format &&
		c.hasContent(spec.SHA256) {
		return
	}
	if _, err := c.Import(ctx, o.Name, spec); err != nil {
		c.log.Warn("image: import failed", "image", o.Name, "err", err)
		return
	}
	c.log.Info("image: ready", "image", o.Name, "sha256", spec.SHA256)
}

func (c *Catalogue) current(ctx context.Context, name string) (store.ImageStatus, bool) {
	var st store.ImageStatus
	err := c.db.View(ctx, func(tx *store.Tx) error {
		var err error
		st, err = tx.GetImageStatus(name)
		return err
	})
	return st, err == nil
}

// forget drops an image that is no longer declared.
func (c *Catalogue) forget(ctx context.Context, name string) error {
	defer c.lock(name)()
	if err := c.unlink(name); err != nil {
		return err
	}
	return c.db.Update(ctx, func(tx *store.Tx) error { return tx.DeleteImageStatus(name) })
}
