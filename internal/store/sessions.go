package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in web UI session. The cookie value is a random secret;
// only its SHA-256 (Hash) is stored. CSRF is the token the session's forms
// carry. A session is valid until ExpiresAt.
type Session struct {
	Hash      []byte    `json:"-"`
	User      string    `json:"user"`
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

const (
	sessionKind    = "session"
	sessionColumns = "hash, username, csrf, created_at, expires_at"
)

func sessionReader() rowReader[Session] {
	var (
		s                Session
		created, expires int64
	)
	return rowReader[Session]{
		dest: []any{&s.Hash, &s.User, &s.CSRF, &created, &expires},
		read: func() (Session, error) {
			v := s
			v.Hash = append([]byte(nil), s.Hash...)
			v.CreatedAt, v.ExpiresAt = fromNanos(created), fromNanos(expires)
			return v, nil
		},
	}
}

// CreateSession inserts s for an existing user. Hash, User, CSRF and
// ExpiresAt are required; a zero CreatedAt is the transaction time. An
// unknown user is ErrNotFound, a taken hash ErrConflict.
func (tx *Tx) CreateSession(s *Session) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if len(s.Hash) == 0 || s.User == "" || s.CSRF == "" || s.ExpiresAt.IsZero() {
		return fmt.Errorf("create %s for %q: hash, user, csrf and expiry are required", sessionKind, s.User)
	}
	if _, err := tx.GetUser(s.User); err != nil {
		return err
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = tx.now
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	ok, err := tx.execOne("INSERT INTO sessions ("+sessionColumns+") VALUES (?, ?, ?, ?, ?)"+
		" ON CONFLICT DO NOTHING", s.Hash, s.User, s.CSRF, toNanos(s.CreatedAt), toNanos(s.ExpiresAt))
	switch {
	case err != nil:
		return failed("create", sessionKind, "for "+s.User, err)
	case !ok:
		return alreadyExists(sessionKind, shortHash(s.Hash))
	}
	return nil
}

// GetSession returns the unexpired session with this hash, or ErrNotFound
// (also for an expired one).
func (tx *Tx) GetSession(hash []byte) (Session, error) {
	s, err := getOne(tx, sessionReader(), "SELECT "+sessionColumns+" FROM sessions"+
		" WHERE hash = ? AND expires_at > ?", hash, toNanos(tx.now))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Session{}, notFound(sessionKind, shortHash(hash))
	case err != nil:
		return Session{}, fmt.Errorf("get %s %s: %w", sessionKind, shortHash(hash), err)
	}
	return s, nil
}

// DeleteSession deletes the session with this hash (signing out); deleting
// one that does not exist is not an error.
func (tx *Tx) DeleteSession(hash []byte) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if _, err := tx.exec("DELETE FROM sessions WHERE hash = ?", hash); err != nil {
		return failed("delete", sessionKind, shortHash(hash), err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that expired before t and
// returns how many.
func (tx *Tx) DeleteExpiredSessions(t time.Time) (int64, error) {
	if err := tx.writable(); err != nil {
		return 0, err
	}
	res, err := tx.exec("DELETE FROM sessions WHERE expires_at < ?", toNanos(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
