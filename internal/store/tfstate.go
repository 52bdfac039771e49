package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TFState is one version of a Terraform state kept for the http backend.
// Sealed is the state JSON encrypted by the caller; Serial and Lineage are
// copied from it so versions can be listed without opening them.
type TFState struct {
	Name      string    `json:"name"`
	Version   int64     `json:"version"`
	Sealed    []byte    `json:"-"`
	Size      int64     `json:"size"`
	Serial    int64     `json:"serial"`
	Lineage   string    `json:"lineage"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"createdAt"`
}

// TFLock is a held lock on a state: the lock info Terraform sent (JSON) and
// who holds it.
type TFLock struct {
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Info      string    `json:"info"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"createdAt"`
}

const (
	tfstateKind    = "terraform state"
	tfstateColumns = "name, version, sealed, size, serial, lineage, actor, created_at"
	tflockColumns  = "name, lock_id, info, actor, created_at"
)

func tfstateReader(withBody bool) rowReader[TFState] {
	var (
		s       TFState
		created int64
	)
	return rowReader[TFState]{
		dest: []any{&s.Name, &s.Version, &s.Sealed, &s.Size, &s.Serial, &s.Lineage, &s.Actor, &created},
		read: func() (TFState, error) {
			v := s
			v.Sealed = nil
			if withBody {
				v.Sealed = append([]byte(nil), s.Sealed...)
			}
			v.CreatedAt = fromNanos(created)
			return v, nil
		},
	}
}

// PutTFState appends s as the next version of its state (Version and
// CreatedAt are set).
func (tx *Tx) PutTFState(s *TFState) error {
	if err := tx.writable(); err != nil {
		return err
	}
	var last sql.NullInt64
	if err := tx.queryRow("SELECT MAX(version) FROM tfstate_versions WHERE name = ?", s.Name).Scan(&last); err != nil {
		return fmt.Errorf("put %s %s: %w", tfstateKind, s.Name, err)
	}
	s.Version, s.CreatedAt, s.Size = last.Int64+1, tx.now, int64(len(s.Sealed))
	_, err := tx.exec("INSERT INTO tfstate_versions ("+tfstateColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		s.Name, s.Version, s.Sealed, s.Size, s.Serial, s.Lineage, s.Actor, toNanos(s.CreatedAt))
	if err != nil {
		return failed("put", tfstateKind, s.Name, err)
	}
	return nil
}

// GetTFState returns version of a state (0: the latest) with its body.
func (tx *Tx) GetTFState(name string, version int64) (TFState, error) {
	q, args := "SELECT "+tfstateColumns+" FROM tfstate_versions WHERE name = ? ORDER BY version DESC LIMIT 1", []any{name}
	if version > 0 {
		q, args = "SELECT "+tfstateColumns+" FROM tfstate_versions WHERE name = ? AND version = ?", []any{name, version}
	}
	s, err := getOne(tx, tfstateReader(true), q, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return TFState{}, notFound(tfstateKind, name)
	}
	if err != nil {
		return TFState{}, fmt.Errorf("get %s %s: %w", tfstateKind, name, err)
	}
	return s, nil
}

// ListTFStates returns the versions of a state, newest first, without bodies.
func (tx *Tx) ListTFStates(name string) ([]TFState, error) {
	rows, err := tx.query("SELECT "+tfstateColumns+" FROM tfstate_versions WHERE name = ? ORDER BY version DESC", name)
	out, err := collect(rows, err, 0, tfstateReader(false))
	if err != nil {
		return nil, fmt.Errorf("list %s %s: %w", tfstateKind, name, err)
	}
	return out, nil
}

// DeleteTFState deletes every version of a state and its lock.
func (tx *Tx) DeleteTFState(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if _, err := tx.exec("DELETE FROM tfstate_locks WHERE name = ?", name); err != nil {
		return fmt.Errorf("delete %s lock %s: %w", tfstateKind, name, err)
	}
	ok, err := tx.execOne("DELETE FROM tfstate_versions WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", tfstateKind, name, err)
	}
	if !ok {
		return notFound(tfstateKind, name)
	}
	return nil
}

func tflockReader() rowReader[TFLock] {
	var (
		l       TFLock
		created int64
	)
	return rowReader[TFLock]{
		dest: []any{&l.Name, &l.ID, &l.Info, &l.Actor, &created},
		read: func() (TFLock, error) {
			v := l
			v.CreatedAt = fromNanos(created)
			return v, nil
		},
	}
}

// GetTFLock returns the lock held on a state (ErrNotFound when none).
func (tx *Tx) GetTFLock(name string) (TFLock, error) {
	l, err := getOne(tx, tflockReader(), "SELECT "+tflockColumns+" FROM tfstate_locks WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return TFLock{}, notFound(tfstateKind+" lock", name)
	}
	if err != nil {
		return TFLock{}, fmt.Errorf("get %s lock %s: %w", tfstateKind, name, err)
	}
	return l, nil
}

// CreateTFLock takes the lock of a state; ErrConflict when it is held.
func (tx *Tx) CreateTFLock(l *TFLock) error {
	if err := tx.writable(); err != nil {
		return err
	}
	l.CreatedAt = tx.now
	ok, err := tx.execOne("INSERT INTO tfstate_locks ("+tflockColumns+") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		l.Name, l.ID, l.Info, l.Actor, toNanos(l.CreatedAt))
	if err != nil {
		return failed("lock", tfstateKind, l.Name, err)
	}
	if !ok {
		return fmt.Errorf("%s %s: already locked: %w", tfstateKind, l.Name, ErrConflict)
	}
	return nil
}

// DeleteTFLock releases the lock of a state; ErrNotFound when none is held.
func (tx *Tx) DeleteTFLock(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ok, err := tx.execOne("DELETE FROM tfstate_locks WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("unlock %s %s: %w", tfstateKind, name, err)
	}
	if !ok {
		return notFound(tfstateKind+" lock", name)
	}
	return nil
}
