package store

import (
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// BootToken is a one-time token a machine's boot script hands to its agent
// (on the kernel command line); the agent claims it once, on first contact.
// Only the SHA-256 of the token is stored.
type BootToken struct {
	Hash      []byte     `json:"-"`
	Machine   string     `json:"machine"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	UsedAt    *time.Time `json:"usedAt,omitempty"`
}

const (
	bootTokenKind    = "boot token"
	bootTokenColumns = "hash, machine, created_at, expires_at, used_at"
)

func bootTokenReader() rowReader[BootToken] {
	var (
		t                BootToken
		created, expires int64
		used             sql.NullInt64
	)
	return rowReader[BootToken]{
		dest: []any{&t.Hash, &t.Machine, &created, &expires, &used},
		read: func() (BootToken, error) {
			v := t
			v.Hash = append([]byte(nil), t.Hash...)
			v.CreatedAt, v.ExpiresAt, v.UsedAt = fromNanos(created), fromNanos(expires), fromNullNanos(used)
			return v, nil
		},
	}
}

// CreateBootToken inserts t. Hash, Machine and ExpiresAt are required; a
// zero CreatedAt is set to the transaction time. A taken hash is ErrConflict.
func (tx *Tx) CreateBootToken(t *BootToken) error {
	if err := tx.writable(); err != nil {
		return err
	}
	switch {
	case len(t.Hash) == 0:
		return fmt.Errorf("create %s for %s: hash is required", bootTokenKind, t.Machine)
	case t.Machine == "":
		return fmt.Errorf("create %s: machine is required", bootTokenKind)
	case t.ExpiresAt.IsZero():
		return fmt.Errorf("create %s for %s: expiry is required", bootTokenKind, t.Machine)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = tx.now
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), nil
	ok, err := tx.execOne("INSERT INTO boot_tokens ("+bootTokenColumns+") VALUES (?, ?, ?, ?, NULL)"+
		" ON CONFLICT DO NOTHING", t.Hash, t.Machine, toNanos(t.CreatedAt), toNanos(t.ExpiresAt))
	switch {
	case err != nil:
		return failed("create", bootTokenKind, "for "+t.Machine, err)
	case !ok:
		return alreadyExists(bootTokenKind, shortHash(t.Hash))
	}
	return nil
}

// ClaimBootToken marks the token with this hash used (at the transaction
// time) and returns it. A token that does not exist or has expired is
// ErrNotFound; one already claimed is ErrConflict. The error says which.
func (tx *Tx) ClaimBootToken(hash []byte) (BootToken, error) {
	if err := tx.writable(); err != nil {
		return BootToken{}, err
	}
	now := toNanos(tx.now)
	t, err := getOne(tx, bootTokenReader(), "UPDATE boot_tokens SET used_at = ?"+
		" WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING "+bootTokenColumns, now, hash, now)
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return BootToken{}, fmt.Errorf("claim %s %s: %w", bootTokenKind, shortHash(hash), err)
	}
	t, err = getOne(tx, bootTokenReader(), "SELECT "+bootTokenColumns+" FROM boot_tokens WHERE hash = ?", hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return BootToken{}, notFound(bootTokenKind, shortHash(hash))
	case err != nil:
		return BootToken{}, fmt.Errorf("claim %s %s: %w", bootTokenKind, shortHash(hash), err)
	case t.UsedAt != nil:
		return BootToken{}, fmt.Errorf("%s %s of machine %s: already claimed at %s: %w", bootTokenKind,
			shortHash(hash), t.Machine, t.UsedAt.Format(time.RFC3339), ErrConflict)
	}
	return BootToken{}, fmt.Errorf("%s %s of machine %s: expired at %s: %w", bootTokenKind,
		shortHash(hash), t.Machine, t.ExpiresAt.Format(time.RFC3339), ErrNotFound)
}

// ListBootTokens returns a machine's boot tokens, oldest first.
func (tx *Tx) ListBootTokens(machine string) ([]BootToken, error) {
	rows, err := tx.query("SELECT "+bootTokenColumns+" FROM boot_tokens WHERE machine = ?"+
		" ORDER BY created_at, hash", machine)
	out, err := collect(rows, err, 0, bootTokenReader())
	if err != nil {
		return nil, fmt.Errorf("list boot tokens of %s: %w", machine, err)
	}
	return out, nil
}

// DeleteExpiredBootTokens deletes the tokens that expired before t and
// returns how many.
func (tx *Tx) DeleteExpiredBootTokens(t time.Time) (int64, error) {
	if err := tx.writable(); err != nil {
		return 0, err
	}
	res, err := tx.exec("DELETE FROM boot_tokens WHERE expires_at < ?", toNanos(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired boot tokens: %w", err)
	}
	return res.RowsAffected()
}

// shortHash names a token in errors by the start of its hash (never the token).
func shortHash(h []byte) string {
	return hex.EncodeToString(h[:min(len(h), 6)])
}
