package store

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// impl holds the DB's implementation state. (Stub: the store work fills it in.)
type impl struct {
	sql    *sql.DB
	driver string
}

type txImpl struct {
	now time.Time
}

func open(ctx context.Context, cfg Config, log *slog.Logger) (*DB, error) { panic("unimplemented") }
func (db *DB) update(ctx context.Context, fn func(*Tx) error) error   { panic("unimplemented") }
func (db *DB) view(ctx context.Context, fn func(*Tx) error) error     { panic("unimplemented") }
func (db *DB) subscribe() (<-chan struct{}, func())                   { panic("unimplemented") }
func (db *DB) close() error                                           { panic("unimplemented") }
