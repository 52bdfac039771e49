package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// SQLite settings. WAL lets readers run beside the single writer; FULL
// synchronous makes every commit durable before it returns.
const (
	sqliteBusyTimeoutMS = 10000
	// sqliteCacheKiB is the page cache of each connection (negative: KiB).
	sqliteCacheKiB = -16384
)

// openSQLite opens the database file at path (creating it, mode 0600, and
// its directory) as a single-connection write pool and a read pool.
func openSQLite(ctx context.Context, path string) (write, read *sql.DB, err error) {
	if path == "" {
		return nil, nil, errors.New("store: sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	if err := createFile(abs); err != nil {
		return nil, nil, err
	}
	write, err = sqlitePool(ctx, abs, 1, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMS),
			"journal_mode(WAL)",
			"synchronous(FULL)",
			"foreign_keys(1)",
			fmt.Sprintf("cache_size(%d)", sqliteCacheKiB),
		},
		"_txlock": {"immediate"},
	})
	if err != nil {
		return nil, nil, err
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	read, err = sqlitePool(ctx, abs, readers, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMS),
			"foreign_keys(1)",
			"query_only(1)",
			fmt.Sprintf("cache_size(%d)", sqliteCacheKiB),
		},
	})
	if err != nil {
		return nil, nil, errors.Join(err, write.Close())
	}
	return write, read, nil
}

// createFile creates the database file's directory (0700) and the file
// itself (0600) when missing, so SQLite (and its -wal and -shm files, which
// copy the database file's mode) never uses the umask.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store: sqlite: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: sqlite: create %s: %w", path, err)
	}
	return f.Close()
}

func sqlitePool(ctx context.Context, path string, conns int, params url.Values) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: path, RawQuery: params.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("store: sqlite %s: %w", path, err), db.Close())
	}
	return db, nil
}
