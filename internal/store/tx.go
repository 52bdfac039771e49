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

// writesInventory is writable for the methods that change machines or
// inventory objects: the commit then bumps the inventory generation and, for
// a machine row or a Machine object, records the machine's name as changed.
func (tx *Tx) writesInventory(kind, name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	tx.touched = true
	if kind == "Machine" {
		if tx.changed == nil {
			tx.changed = map[string]struct{}{}
		}
		tx.changed[name] = struct{}{}
	}
	return nil
}

// rowReader reads rows of one query into values of T: Scan fills dest, then
// read makes the value. dest points at variables reused from row to row, so
// reading a row allocates only what the value keeps.
type rowReader[T any] struct {
	dest []any
	read func() (T, error)
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

// collect reads every row of rows with r, with room for n rows (so that
// long lists of large structs are not copied as they grow).
func collect[T any](rows *sql.Rows, err error, n int, r rowReader[T]) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	if n > 0 {
		out = make([]T, 0, n)
	}
	for rows.Next() {
		if err := rows.Scan(r.dest...); err != nil {
			return nil, err
		}
		v, err := r.read()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// count counts the rows of table matching cond (" WHERE ..." or ""), to size
// the slice a long list is read into: counting is cheaper than growing a
// slice of 10,000 large structs. The answer is capped, as it is only a hint.
func (tx *Tx) count(table, cond string, args ...any) (int, error) {
	var n int
	err := tx.queryRow("SELECT COUNT(*) FROM "+table+cond, args...).Scan(&n)
	return min(n, 100000), err
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

// checkRevision reads a row's revision and creation time with query and
// fails with ErrNotFound when the row is absent or ErrConflict when its
// revision differs from expect (0 accepts any).
func (tx *Tx) checkRevision(what, name string, expect int64, query string, args ...any) (time.Time, error) {
	var got, created int64
	err := tx.queryRow(query, args...).Scan(&got, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, notFound(what, name)
	case err != nil:
		return time.Time{}, fmt.Errorf("%s %s: read revision: %w", what, name, err)
	case expect != 0 && got != expect:
		return time.Time{}, revisionConflict(what, name, got, expect)
	}
	return fromNanos(created), nil
}

// whyUnchanged explains why a write guarded by a revision changed no row.
func (tx *Tx) whyUnchanged(what, name string, expect int64, query string, args ...any) error {
	if _, err := tx.checkRevision(what, name, expect, query, args...); err != nil {
		return err
	}
	return fmt.Errorf("%s %s: changed by another writer: %w", what, name, ErrConflict)
}

// getOne runs a query for one row and reads it with r; no row is
// sql.ErrNoRows. (Unlike QueryRow, it lets r use sql.RawBytes.)
func getOne[T any](tx *Tx, r rowReader[T], query string, args ...any) (T, error) {
	rows, err := tx.query(query, args...)
	vs, err := collect(rows, err, 1, r)
	if err == nil && len(vs) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return vs[0], nil
}
