package pgtest_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/pgtest"
)

// TestStart starts a server, creates two databases and uses them.
func TestStart(t *testing.T) {
	start := time.Now()
	dsn := pgtest.Start(t)
	t.Logf("server started in %v", time.Since(start))
	assert.Contains(t, dsn, "postgres://postgres@127.0.0.1:")

	start = time.Now()
	a, b := pgtest.NewDatabase(t, dsn), pgtest.NewDatabase(t, dsn)
	t.Logf("two databases created in %v", time.Since(start))
	require.NotEqual(t, a, b)
	for _, d := range []string{dsn, a, b} {
		db, err := sql.Open("pgx", d)
		require.NoError(t, err)
		var version string
		require.NoError(t, db.QueryRowContext(t.Context(), "SHOW server_version").Scan(&version))
		assert.Regexp(t, `^15\.`, version)
		var fsync string
		require.NoError(t, db.QueryRowContext(t.Context(), "SHOW fsync").Scan(&fsync))
		assert.Equal(t, "off", fsync)
		require.NoError(t, db.Close())
	}
}
