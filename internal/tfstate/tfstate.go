// Package tfstate keeps Terraform state for Terraform's http backend:
// versioned (every write is a new version; old versions stay readable),
// encrypted at rest with the appliance keyring, and locked the way the
// backend expects (one holder; a second locker learns who holds it). The
// HTTP routes live in internal/server; the appliance's own Terraform runs
// (internal/infra) use the same states through those routes.
package tfstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// MaxStateBytes bounds one state body.
const MaxStateBytes = 64 << 20

// Keyring seals and opens state bodies (internal/secret implements it).
type Keyring interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Service reads and writes states in the store.
type Service struct {
	db   *store.DB
	keys Keyring
}

// New returns the service.
func New(db *store.DB, keys Keyring) *Service { return &Service{db: db, keys: keys} }

// LockInfo is the lock information Terraform sends with LOCK (statemgr.LockInfo).
type LockInfo struct {
	ID        string    `json:"ID"`
	Operation string    `json:"Operation"`
	Info      string    `json:"Info"`
	Who       string    `json:"Who"`
	Version   string    `json:"Version"`
	Created   time.Time `json:"Created"`
	Path      string    `json:"Path"`
}

// LockedError says a state is locked by someone else.
type LockedError struct {
	Lock store.TFLock
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("terraform state %s is locked by %s", e.Lock.Name, Holder(e.Lock))
}

// Holder describes who holds a lock: the Slipway actor, Terraform's own
// "who" and operation, the lock ID and since when.
func Holder(l store.TFLock) string {
	var info LockInfo
	_ = json.Unmarshal([]byte(l.Info), &info)
	s := l.Actor
	if info.Who != "" {
		s += " (" + info.Who
		if info.Operation != "" {
			s += ", " + info.Operation
		}
		s += ")"
	}
	return fmt.Sprintf("%s, lock ID %s, since %s", s, l.ID, l.CreatedAt.Format(time.RFC3339))
}

// ErrBadState is a state body that is not a Terraform state.
var ErrBadState = errors.New("not a Terraform state (want a JSON object with version, serial and lineage)")

func aad(name string) []byte { return []byte("tfstate/" + name) }

// Get returns a state's body at version (0: the latest); store.ErrNotFound
// when there is none.
func (s *Service) Get(ctx context.Context, name string, version int64) ([]byte, store.TFState, error) {
	var st store.TFState
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		st, err = tx.GetTFState(name, version)
		return err
	})
	if err != nil {
		return nil, store.TFState{}, err
	}
	body, err := s.keys.Open(st.Sealed, aad(name))
	if err != nil {
		return nil, store.TFState{}, fmt.Errorf("terraform state %s version %d: %w", name, st.Version, err)
	}
	st.Sealed = nil
	return body, st, nil
}

// Versions lists a state's versions, newest first (no bodies).
func (s *Service) Versions(ctx context.Context, name string) ([]store.TFState, error) {
	var out []store.TFState
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.ListTFStates(name)
		return err
	})
	return out, err
}

// Put stores body as the next version. When the state is locked, lockID
// must be the lock's ID (a *LockedError otherwise).
func (s *Service) Put(ctx context.Context, name, lockID string, body []byte, actor string) (store.TFState, error) {
	var head struct {
		Version *int   `json:"version"`
		Serial  int64  `json:"serial"`
		Lineage string `json:"lineage"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.Version == nil {
		return store.TFState{}, ErrBadState
	}
	sealed, err := s.keys.Seal(body, aad(name))
	if err != nil {
		return store.TFState{}, fmt.Errorf("terraform state %s: seal: %w", name, err)
	}
	st := store.TFState{Name: name, Sealed: sealed, Serial: head.Serial, Lineage: head.Lineage, Actor: actor}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		l, err := tx.GetTFLock(name)
		switch {
		case err == nil && l.ID != lockID:
			return &LockedError{Lock: l}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
		return tx.PutTFState(&st)
	})
	st.Sealed = nil
	return st, err
}

// Lock takes a state's lock for info (Terraform's lock JSON). A held lock
// is a *LockedError naming its holder.
func (s *Service) Lock(ctx context.Context, name string, info []byte, actor string) error {
	var li LockInfo
	if err := json.Unmarshal(info, &li); err != nil || li.ID == "" {
		return fmt.Errorf("lock info: want Terraform's lock JSON with an ID")
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		if l, err := tx.GetTFLock(name); err == nil {
			return &LockedError{Lock: l}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.CreateTFLock(&store.TFLock{Name: name, ID: li.ID, Info: string(info), Actor: actor})
	})
}

// Unlock releases a state's lock. Without force, id must be the lock's ID
// (a *LockedError otherwise). No lock held is not an error.
func (s *Service) Unlock(ctx context.Context, name, id string, force bool) error {
	return s.db.Update(ctx, func(tx *store.Tx) error {
		l, err := tx.GetTFLock(name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil
		case err != nil:
			return err
		case !force && l.ID != id:
			return &LockedError{Lock: l}
		}
		return tx.DeleteTFLock(name)
	})
}

// CurrentLock returns the lock held on a state (store.ErrNotFound when none).
func (s *Service) CurrentLock(ctx context.Context, name string) (store.TFLock, error) {
	var l store.TFLock
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		l, err = tx.GetTFLock(name)
		return err
	})
	return l, err
}
