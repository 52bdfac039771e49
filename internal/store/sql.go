package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// writeLockKey is the PostgreSQL advisory lock every write transaction takes,
// so that writers in several processes also commit one after the other
// ("slip" in ASCII).
const writeLockKey = 0x736c6970

// impl holds the DB's implementation state.
type impl struct {
	// sql serves reads (View, Ping). On SQLite it is a pool of query-only
	// connections; on PostgreSQL it is the same pool as write.
	sql *sql.DB
	// write serves Update. On SQLite it holds a single connection.
	write  *sql.DB
	driver string
	log    *slog.Logger

	// wsem serializes write transactions in this process (a mutex that a
	// waiting caller can give up on when its context ends).
	wsem chan struct{}

	subMu   sync.Mutex
	subs    map[uint64]chan struct{}
	nextSub uint64
}

// txImpl is a transaction's state.
type txImpl struct {
	now      time.Time
	ctx      context.Context
	tx       *sql.Tx
	driver   string
	readOnly bool
	// appended is set when the transaction appended events.
	appended bool
	// touched is set when the transaction wrote machines or inventory
	// objects; changed holds the machines whose row or object it wrote.
	touched bool
	changed map[string]struct{}
}

func open(ctx context.Context, cfg Config, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{impl: impl{
		driver: cfg.Driver,
		log:    log,
		wsem:   make(chan struct{}, 1),
		subs:   make(map[uint64]chan struct{}),
	}}
	var err error
	switch cfg.Driver {
	case DriverSQLite:
		db.write, db.sql, err = openSQLite(ctx, cfg.Path)
	case DriverPostgres:
		db.write, err = openPostgres(ctx, cfg.DSN)
		db.sql = db.write
	default:
		return nil, fmt.Errorf("store: unknown driver %q (want %s or %s)", cfg.Driver, DriverSQLite, DriverPostgres)
	}
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db.write, cfg.Driver, log); err != nil {
		return nil, errors.Join(err, db.close())
	}
	return db, nil
}

func (db *DB) update(ctx context.Context, fn func(*Tx) error) error {
	select {
	case db.wsem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("store: wait for write lock: %w", ctx.Err())
	}
	defer func() { <-db.wsem }()

	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqltx.Rollback() //nolint:errcheck // no-op after Commit
	if db.driver == DriverPostgres {
		if _, err := sqltx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
			return fmt.Errorf("store: take write lock: %w", err)
		}
	}
	tx := db.newTx(ctx, sqltx, false)
	if err := fn(tx); err != nil {
		return err
	}
	if tx.touched {
		if err := tx.recordGeneration(); err != nil {
			return err
		}
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if tx.appended {
		db.notify()
	}
	return nil
}

func (db *DB) view(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.driver == DriverPostgres {
		// One snapshot for the whole transaction.
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqltx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer sqltx.Rollback() //nolint:errcheck // a read transaction is never committed
	return fn(db.newTx(ctx, sqltx, true))
}

func (db *DB) newTx(ctx context.Context, sqltx *sql.Tx, readOnly bool) *Tx {
	return &Tx{txImpl{
		now:      time.Now().UTC(),
		ctx:      ctx,
		tx:       sqltx,
		driver:   db.driver,
		readOnly: readOnly,
	}}
}

func (db *DB) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	db.subMu.Lock()
	id := db.nextSub
	db.nextSub++
	db.subs[id] = ch
	db.subMu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			db.subMu.Lock()
			delete(db.subs, id)
			db.subMu.Unlock()
		})
	}
}

// notify wakes every subscriber without blocking: a subscriber that has not
// consumed the previous notification gets one for both.
func (db *DB) notify() {
	db.subMu.Lock()
	defer db.subMu.Unlock()
	for _, ch := range db.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (db *DB) close() error {
	var errs []error
	if db.sql != nil && db.sql != db.write {
		errs = append(errs, db.sql.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}
