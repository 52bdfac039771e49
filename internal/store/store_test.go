package store_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/pgtest"
	"github.com/slipway-dev/slipway/internal/store"
)

// opener returns the configuration of a fresh, empty database.
type opener func(t *testing.T) store.Config

// suite is the behaviour every driver must have; TestStore runs each case
// on each driver, each in its own database, in parallel.
var suite = []struct {
	name string
	fn   func(t *testing.T, fresh opener)
}{
	{"Objects", testObjects},
	{"ObjectConflicts", testObjectConflicts},
	{"Machines", testMachines},
	{"MachineConflicts", testMachineConflicts},
	{"ListMachines", testListMachines},
	{"Events", testEvents},
	{"ListEvents", testListEvents},
	{"Credentials", testCredentials},
	{"ClusterRecords", testClusterRecords},
	{"Tokens", testTokens},
	{"Audit", testAudit},
	{"Operations", testOperations},
	{"Rollback", testRollback},
	{"Rollback1000", testRollback1000},
	{"ConcurrentWritersOrder", testConcurrentWritersOrder},
	{"Subscribe", testSubscribe},
	{"ViewCannotWrite", testViewCannotWrite},
	{"ViewSnapshot", testViewSnapshot},
	{"Reopen", testReopen},
	{"TimeRoundTrip", testTimeRoundTrip},
	{"InventoryGeneration", testInventoryGeneration},
	{"MachinesChangedSince", testMachinesChangedSince},
}

func TestStore(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		for _, c := range suite {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.fn(t, fresh)
			})
		}
	})
}

// forEachDriver runs fn on SQLite and on PostgreSQL (one throwaway server
// for all of fn's databases; skipped when PostgreSQL is not installed).
func forEachDriver(t *testing.T, fn func(t *testing.T, fresh opener)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) store.Config {
			return store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "slipway.db")}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		server := pgtest.Start(t)
		fn(t, func(t *testing.T) store.Config {
			return store.Config{Driver: store.DriverPostgres, DSN: pgtest.NewDatabase(t, server)}
		})
	})
}

// open opens cfg for the test and closes it at the end.
func open(t *testing.T, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// update runs fn in a write transaction that must succeed.
func update(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	require.NoError(t, db.Update(t.Context(), fn))
}

// view runs fn in a read transaction that must succeed.
func view(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	require.NoError(t, db.View(t.Context(), fn))
}

// get reads one value in a read transaction.
func get[T any](t *testing.T, db *store.DB, fn func(tx *store.Tx) (T, error)) T {
	t.Helper()
	var v T
	view(t, db, func(tx *store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}
