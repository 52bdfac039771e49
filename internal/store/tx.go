package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a transaction. Its methods must not be used after the function
// passed to Update or View returns. Methods that write fail on a View Tx.
type Tx struct {
	txImpl
}

// Now is the transaction's clock (one value per transaction, UTC).
func (tx *Tx) Now() time.Time { return tx.now }

// errReadOnly is returned by a write method called on a View transaction.
var errReadOnly = errors.New("store: write in a read-only transaction")

// writable fails on a View transaction.
func (tx *Tx) writable() error {
	if tx.readOnly {
		return errReadOnly
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.ctx, rebind(tx.driver, query), args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.ctx, rebind(tx.driver, query), args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx, rebind(tx.driver, query), args...)
}

// execOne runs a statement that must change one row; it reports whether it did.
func (tx *Tx) execOne(query string, args ...any) (bool, error) {
	res, err := tx.exec(query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// exists reports whether query (a SELECT of one row) finds a row.
func (tx *Tx) exists(query string, args ...any) (bool, error) {
	var one int
	err := tx.queryRow(query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// collect reads every row of rows with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// reverse reverses s in place (for pages read newest first).
func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Errors naming the row: "Machine r1-u07: not found".
func notFound(what, name string) error {
	return fmt.Errorf("%s %s: %w", what, name, ErrNotFound)
}

func alreadyExists(what, name string) error {
	return fmt.Errorf("%s %s: already exists: %w", what, name, ErrConflict)
}

func revisionConflict(what, name string, got, expect int64) error {
	return fmt.Errorf("%s %s: revision %d, expected %d: %w", what, name, got, expect, ErrConflict)
}

// failed wraps a database error with what was being done.
func failed(op, what, name string, err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%s %s %s: %w (%v)", op, what, name, ErrConflict, err)
	}
	return fmt.Errorf("%s %s %s: %w", op, what, name, err)
}

// revisionMismatch explains why an update or delete guarded by a revision
// changed nothing: the row is gone, or its revision differs.
func (tx *Tx) revisionMismatch(what, name string, expect int64, query string, args ...any) error {
	var got int64
	err := tx.queryRow(query, args...).Scan(&got)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound(what, name)
	case err != nil:
		return fmt.Errorf("%s %s: read revision: %w", what, name, err)
	}
	return revisionConflict(what, name, got, expect)
}
