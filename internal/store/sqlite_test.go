package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSQLiteOpen checks the file is created with its directory and mode
// 0600, and the connections' settings.
func TestSQLiteOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new dir", "a?b#c", "slipway.db")
	db, err := Open(t.Context(), Config{Driver: DriverSQLite, Path: path}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	dir, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dir.Mode().Perm())

	pragma := func(pool string, name string) string {
		conn := db.write
		if pool == "read" {
			conn = db.sql
		}
		var v string
		require.NoError(t, conn.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v))
		return v
	}
	tests := []struct{ pool, pragma, want string }{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "2"}, // FULL
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "10000"},
		{"write", "query_only", "0"},
		{"read", "journal_mode", "wal"},
		{"read", "query_only", "1"},
		{"read", "busy_timeout", "10000"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, pragma(tc.pool, tc.pragma), "%s pool: PRAGMA %s", tc.pool, tc.pragma)
	}
	// The WAL files exist beside the database and are private too.
	update := func(tx *Tx) error { return tx.AppendEvent(&Event{Type: "x"}) }
	require.NoError(t, db.Update(t.Context(), update))
	wal, err := os.Stat(path + "-wal")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), wal.Mode().Perm())
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown driver", Config{Driver: "mysql"}, `store: unknown driver "mysql" (want sqlite or postgres)`},
		{"no path", Config{Driver: DriverSQLite}, "store: sqlite: empty database path"},
		{"no DSN", Config{Driver: DriverPostgres}, "store: postgres: empty DSN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(t.Context(), tc.cfg, nil)
			assert.EqualError(t, err, tc.want)
		})
	}
	// A file where the directory should be.
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := Open(t.Context(), Config{Driver: DriverSQLite, Path: filepath.Join(file, "slipway.db")}, nil)
	assert.ErrorContains(t, err, "store: sqlite: create directory")
}
