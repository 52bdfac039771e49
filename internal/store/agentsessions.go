package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Agent session kinds.
const (
	// AgentSessionAgent authenticates a netbooted agent (issued when it
	// claims its boot token).
	AgentSessionAgent = "agent"
	// AgentSessionPhoneHome authenticates the installed OS's phone-home call
	// (rendered into its cloud-init seed).
	AgentSessionPhoneHome = "phone-home"
	// AgentSessionRenew authenticates a cluster node's certificate renewal
	// (rendered into its cloud-init seed; revoked by its next install).
	AgentSessionRenew = "renew"
)

// AgentSession is a bearer credential bound to one machine: an agent's
// session or an installed OS's phone-home token. Only its SHA-256 is
// stored. Addr is the client address it was issued to ("" when unknown).
type AgentSession struct {
	Hash      []byte     `json:"-"`
	Machine   string     `json:"machine"`
	Kind      string     `json:"kind"`
	Addr      string     `json:"addr,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

const (
	agentSessionKind    = "agent session"
	agentSessionColumns = "hash, machine, kind, addr, created_at, expires_at, revoked_at"
)

func agentSessionReader() rowReader[AgentSession] {
	var (
		s                AgentSession
		created, expires int64
		revoked          sql.NullInt64
	)
	return rowReader[AgentSession]{
		dest: []any{&s.Hash, &s.Machine, &s.Kind, &s.Addr, &created, &expires, &revoked},
		read: func() (AgentSession, error) {
			v := s
			v.Hash = append([]byte(nil), s.Hash...)
			v.CreatedAt, v.ExpiresAt, v.RevokedAt = fromNanos(created), fromNanos(expires), fromNullNanos(revoked)
			return v, nil
		},
	}
}

// CreateAgentSession inserts s. Hash, Machine, Kind and ExpiresAt are
// required; a zero CreatedAt is the transaction time. A taken hash is
// ErrConflict.
func (tx *Tx) CreateAgentSession(s *AgentSession) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if len(s.Hash) == 0 || s.Machine == "" || s.Kind == "" || s.ExpiresAt.IsZero() {
		return fmt.Errorf("create %s for %q: hash, machine, kind and expiry are required", agentSessionKind, s.Machine)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = tx.now
	}
	s.CreatedAt, s.ExpiresAt, s.RevokedAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC(), nil
	ok, err := tx.execOne("INSERT INTO agent_sessions ("+agentSessionColumns+") VALUES (?, ?, ?, ?, ?, ?, NULL)"+
		" ON CONFLICT DO NOTHING", s.Hash, s.Machine, s.Kind, s.Addr, toNanos(s.CreatedAt), toNanos(s.ExpiresAt))
	switch {
	case err != nil:
		return failed("create", agentSessionKind, "for "+s.Machine, err)
	case !ok:
		return alreadyExists(agentSessionKind, shortHash(s.Hash))
	}
	return nil
}

// GetAgentSession returns the live (unexpired, unrevoked) session of kind
// with this hash, or ErrNotFound saying why not.
func (tx *Tx) GetAgentSession(kind string, hash []byte) (AgentSession, error) {
	s, err := getOne(tx, agentSessionReader(), "SELECT "+agentSessionColumns+" FROM agent_sessions"+
		" WHERE hash = ? AND kind = ?", hash, kind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return AgentSession{}, notFound(agentSessionKind, shortHash(hash))
	case err != nil:
		return AgentSession{}, fmt.Errorf("get %s %s: %w", agentSessionKind, shortHash(hash), err)
	case s.RevokedAt != nil:
		return AgentSession{}, fmt.Errorf("%s %s of %s: revoked at %s: %w", agentSessionKind, shortHash(hash),
			s.Machine, s.RevokedAt.Format(time.RFC3339), ErrNotFound)
	case !s.ExpiresAt.After(tx.now):
		return AgentSession{}, fmt.Errorf("%s %s of %s: expired at %s: %w", agentSessionKind, shortHash(hash),
			s.Machine, s.ExpiresAt.Format(time.RFC3339), ErrNotFound)
	}
	return s, nil
}

// LiveAgentSessions returns the machine's live sessions of kind, oldest first.
func (tx *Tx) LiveAgentSessions(machine, kind string) ([]AgentSession, error) {
	rows, err := tx.query("SELECT "+agentSessionColumns+" FROM agent_sessions WHERE machine = ? AND kind = ?"+
		" AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, hash", machine, kind, toNanos(tx.now))
	out, err := collect(rows, err, 0, agentSessionReader())
	if err != nil {
		return nil, fmt.Errorf("list %ss of %s: %w", agentSessionKind, machine, err)
	}
	return out, nil
}

// RevokeAgentSessions revokes every live session of kind of the machine
// and returns how many it revoked.
func (tx *Tx) RevokeAgentSessions(machine, kind string) (int64, error) {
	if err := tx.writable(); err != nil {
		return 0, err
	}
	res, err := tx.exec("UPDATE agent_sessions SET revoked_at = ? WHERE machine = ? AND kind = ?"+
		" AND revoked_at IS NULL", toNanos(tx.now), machine, kind)
	if err != nil {
		return 0, failed("revoke", agentSessionKind+"s", "of "+machine, err)
	}
	return res.RowsAffected()
}

// DeleteExpiredAgentSessions removes sessions that expired before t.
func (tx *Tx) DeleteExpiredAgentSessions(t time.Time) (int64, error) {
	if err := tx.writable(); err != nil {
		return 0, err
	}
	res, err := tx.exec("DELETE FROM agent_sessions WHERE expires_at <= ?", toNanos(t))
	if err != nil {
		return 0, failed("delete expired", agentSessionKind+"s", "", err)
	}
	return res.RowsAffected()
}

// WorkerCursor returns the last event ID the named worker handled (0: none).
func (tx *Tx) WorkerCursor(name string) (int64, error) {
	var id int64
	err := tx.queryRow("SELECT event_id FROM worker_cursors WHERE name = ?", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("worker cursor %s: %w", name, err)
	}
	return id, nil
}

// SetWorkerCursor records the last event ID the named worker handled.
func (tx *Tx) SetWorkerCursor(name string, id int64) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if _, err := tx.exec("DELETE FROM worker_cursors WHERE name = ?", name); err != nil {
		return failed("set", "worker cursor", name, err)
	}
	if _, err := tx.exec("INSERT INTO worker_cursors (name, event_id) VALUES (?, ?)", name, id); err != nil {
		return failed("set", "worker cursor", name, err)
	}
	return nil
}
