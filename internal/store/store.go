// Package store keeps Slipway's state: inventory objects, machines, events,
// encrypted credentials, hashed API tokens, audit rows and operations. One
// implementation over database/sql serves both drivers: embedded SQLite
// (modernc.org/sqlite, WAL, synchronous=FULL; the default) and PostgreSQL
// (pgx). Schema changes are embedded goose migrations. Every write that
// returns without error is durable.
package store

import (
	"context"
	"log/slog"
)

// Drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Config selects and locates the database.
type Config struct {
	Driver string // sqlite | postgres
	// Path is the SQLite database file (sqlite).
	Path string
	// DSN is the PostgreSQL connection string (postgres).
	DSN string
}

// DB is an open store. It is safe for concurrent use. Write transactions are
// serialized within the process (and across processes on PostgreSQL with an
// advisory lock), so event IDs are committed in increasing order: a reader
// that follows events by ID never skips one.
type DB struct {
	// implementation fields: see sql.go
	impl
}

// Open opens (creating if needed) the database and runs pending migrations.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*DB, error) {
	return open(ctx, cfg, log)
}

// Driver returns the driver name.
func (db *DB) Driver() string { return db.driver }

// Update runs fn in a read-write transaction and commits it if fn returns nil.
// Subscribers are notified after the commit when fn appended events. Write
// transactions run one at a time, so fn must not call Update itself (it
// would wait for its own transaction to end).
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return db.update(ctx, fn)
}

// View runs fn in a read-only transaction (a consistent snapshot).
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	return db.view(ctx, fn)
}

// Subscribe returns a channel that receives a value (coalesced, never
// blocking the writer) after each commit of this DB that appended events, and
// a function that ends the subscription. (Events written by another process
// sharing a PostgreSQL database are not notified: a follower that must see
// them also polls.) The channel is never closed.
func (db *DB) Subscribe() (<-chan struct{}, func()) { return db.subscribe() }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close closes the database.
func (db *DB) Close() error { return db.close() }
