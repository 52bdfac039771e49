package appliance

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/ui"
)

// newUI builds the web UI (with image uploads into the catalogue) and
// mounts it at / on the API server.
func newUI(cfg config.Config, db *store.DB, srv *server.Server, cat *image.Catalogue, log *slog.Logger) (*ui.UI, error) {
	ic := cfg.Images.WithDefaults()
	pages, err := ui.New(db, log.With("component", "ui"),
		ui.WithImages(ui.ImageUploads{Images: cat, MaxBytes: ic.MaxBytes, Timeout: ic.FetchTimeout.D()}))
	if err != nil {
		return nil, err
	}
	srv.Mount(pages)
	return pages, nil
}

// CreateUser creates (or replaces the role and password of) a web UI user
// in the store cfg names. It runs on the appliance host, beside or without
// a running server.
func CreateUser(ctx context.Context, cfg config.Config, name, role, password string, log *slog.Logger) error {
	u, err := ui.NewUser(name, role, password, "cli")
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.PutUser(&u) }); err != nil {
		return fmt.Errorf("create user %s: %w", name, err)
	}
	return nil
}
