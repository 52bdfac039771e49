package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, error) {
	sc := store.Config{Driver: cfg.Store.Driver, Path: cfg.Store.Path, DSN: cfg.Store.DSN}
	if sc.Driver == store.DriverSQLite && sc.Path == "" {
		sc.Path = filepath.Join(cfg.DataDir, DBFile)
	}
	db, err := store.Open(ctx, sc, log.With("component", "store"))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return db, nil
}

// prepare brings the store to a state the components can start from: the
// first admin token, machines recovered from a crash, the start-up inventory.
func prepare(ctx context.Context, db *store.DB, cfg config.Config, log *slog.Logger, now time.Time) error {
	if err := ensureAdminToken(ctx, db, adminTokenPath(cfg), log, now); err != nil {
		return err
	}
	if _, err := machine.Recover(ctx, db, log); err != nil {
		return err
	}
	return applyInventory(ctx, db, cfg.Inventory, log)
}

// ensureAdminToken creates the first admin token when the token table is
// empty and writes it (only there, never to the log) to path with mode 0600.
// The file is written inside the transaction, before the commit: a crash
// leaves either a token file and its row, or a file whose token is unknown
// and is replaced on the next start.
func ensureAdminToken(ctx context.Context, db *store.DB, path string, log *slog.Logger, now time.Time) error {
	created := false
	err := db.Update(ctx, func(tx *store.Tx) error {
		created = false
		ts, err := tx.ListTokens()
		if err != nil || len(ts) > 0 {
			return err
		}
		secret, tok, err := auth.New("admin", auth.Admin, "system", 0, now)
		if err != nil {
			return err
		}
		if err := tx.CreateToken(&tok); err != nil {
			return err
		}
		created = true
		return writeSecretFile(path, []byte(secret+"\n"))
	})
	if err != nil {
		return fmt.Errorf("first admin token: %w", err)
	}
	if created {
		log.Info("created the first admin token", "file", path, "role", auth.Admin)
	}
	return nil
}

// writeSecretFile replaces path atomically with data, mode 0600.
func writeSecretFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// applyInventory applies the configured inventory paths as actor "system".
// An invalid inventory stops start-up with every problem listed.
func applyInventory(ctx context.Context, db *store.DB, inv config.InventoryConfig, log *slog.Logger) error {
	if len(inv.Paths) == 0 {
		return nil
	}
	files, err := inventory.ReadPaths(inv.Paths)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	plan, err := inventory.Apply(ctx, db, files, inventory.ApplyOptions{Prune: inv.Prune, Actor: "system"})
	if l, ok := inventory.AsErrorList(err); ok {
		return fmt.Errorf("inventory %v: %d problem(s):\n%w", inv.Paths, len(l), l)
	}
	if err != nil {
		return fmt.Errorf("inventory %v: %w", inv.Paths, err)
	}
	log.Info("applied start-up inventory", "paths", inv.Paths, "files", len(files), "result", plan.Summary())
	return nil
}
