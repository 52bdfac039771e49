package store_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/pgtest"
	"github.com/slipway-dev/slipway/internal/store"
)

// TestSchemaParity checks the two dialects' migrations create the same
// tables, columns and indexes.
func TestSchemaParity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slipway.db")
	open(t, store.Config{Driver: store.DriverSQLite, Path: path})
	lite := schema(t, "sqlite", "file:"+path+"?mode=ro",
		`SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`,
		`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)

	dsn := pgtest.NewDatabase(t, pgtest.Start(t))
	open(t, store.Config{Driver: store.DriverPostgres, DSN: dsn})
	pg := schema(t, "pgx", dsn,
		`SELECT table_name || '.' || column_name FROM information_schema.columns
		 WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`,
		`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
		 AND indexname NOT LIKE '%\_pkey' AND indexname NOT LIKE '%\_key'`)

	assert.Empty(t, cmp.Diff(lite, pg))
	assert.Contains(t, lite, "index machines_state")
}

// schema lists "table.column" and "index name" entries, sorted.
func schema(t *testing.T, driver, dsn, columns, indexes string) []string {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	defer db.Close()
	var out []string
	for _, q := range []string{columns, indexes} {
		rows, err := db.QueryContext(t.Context(), q)
		require.NoError(t, err)
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			if q == indexes {
				s = "index " + s
			}
			out = append(out, strings.ToLower(s))
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	slices.Sort(out)
	return out
}
