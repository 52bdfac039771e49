package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// credentialKind and tokenKind name credential and token rows in errors.
const (
	credentialKind = "credentials"
	tokenKind      = "token"
)

const credentialColumns = "name, username, sealed, created_at, updated_at"

func credentialReader() rowReader[Credential] {
	var (
		c                Credential
		created, updated int64
	)
	return rowReader[Credential]{
		dest: []any{&c.Name, &c.Username, &c.Sealed, &created, &updated},
		read: func() (Credential, error) {
			v := c
			v.CreatedAt, v.UpdatedAt = fromNanos(created), fromNanos(updated)
			return v, nil
		},
	}
}

// PutCredential creates or replaces a credential. Its times are written back
// (CreatedAt is kept from the replaced credential).
func (tx *Tx) PutCredential(c *Credential) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if c.Name == "" {
		return errors.New("put credentials: name is required")
	}
	sealed := c.Sealed
	if sealed == nil {
		sealed = []byte{}
	}
	now := toNanos(tx.now)
	var created int64
	err := tx.queryRow("INSERT INTO credentials ("+credentialColumns+") VALUES (?, ?, ?, ?, ?)"+
		" ON CONFLICT (name) DO UPDATE SET username = excluded.username, sealed = excluded.sealed,"+
		" updated_at = excluded.updated_at RETURNING created_at",
		c.Name, c.Username, sealed, now, now).Scan(&created)
	if err != nil {
		return failed("put", credentialKind, c.Name, err)
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), tx.now
	return nil
}

// GetCredential returns a credential or ErrNotFound.
func (tx *Tx) GetCredential(name string) (Credential, error) {
	c, err := getOne(tx, credentialReader(), "SELECT "+credentialColumns+" FROM credentials WHERE name = ?", name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Credential{}, notFound(credentialKind, name)
	case err != nil:
		return Credential{}, fmt.Errorf("get credentials %s: %w", name, err)
	}
	return c, nil
}

// ListCredentials returns all credentials ordered by name.
func (tx *Tx) ListCredentials() ([]Credential, error) {
	rows, err := tx.query("SELECT " + credentialColumns + " FROM credentials ORDER BY name")
	out, err := collect(rows, err, 0, credentialReader())
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	return out, nil
}

// DeleteCredential deletes a credential or returns ErrNotFound.
func (tx *Tx) DeleteCredential(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ok, err := tx.execOne("DELETE FROM credentials WHERE name = ?", name)
	switch {
	case err != nil:
		return failed("delete", credentialKind, name, err)
	case !ok:
		return notFound(credentialKind, name)
	}
	return nil
}

const tokenColumns = "id, name, role, hash, created_by, created_at, expires_at"

func tokenReader() rowReader[Token] {
	var (
		t       Token
		created int64
		expires sql.NullInt64
	)
	return rowReader[Token]{
		dest: []any{&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedBy, &created, &expires},
		read: func() (Token, error) {
			v := t
			v.CreatedAt, v.ExpiresAt = fromNanos(created), fromNullNanos(expires)
			return v, nil
		},
	}
}

// CreateToken inserts t; a taken ID is ErrConflict. A zero CreatedAt is set
// to the transaction time.
func (tx *Tx) CreateToken(t *Token) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if t.ID == "" {
		return fmt.Errorf("create token %q: %w", t.Name, errNoID)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = tx.now
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if t.ExpiresAt != nil {
		e := t.ExpiresAt.UTC()
		t.ExpiresAt = &e
	}
	hash := t.Hash
	if hash == nil {
		hash = []byte{}
	}
	ok, err := tx.execOne("INSERT INTO tokens ("+tokenColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT DO NOTHING", t.ID, t.Name, t.Role, hash, t.CreatedBy,
		toNanos(t.CreatedAt), toNullNanos(t.ExpiresAt))
	switch {
	case err != nil:
		return failed("create", tokenKind, t.ID, err)
	case !ok:
		return alreadyExists(tokenKind, t.ID)
	}
	return nil
}

// GetToken returns a token by ID or ErrNotFound.
func (tx *Tx) GetToken(id string) (Token, error) {
	t, err := getOne(tx, tokenReader(), "SELECT "+tokenColumns+" FROM tokens WHERE id = ?", id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Token{}, notFound(tokenKind, id)
	case err != nil:
		return Token{}, fmt.Errorf("get token %s: %w", id, err)
	}
	return t, nil
}

// ListTokens returns all tokens ordered by creation.
func (tx *Tx) ListTokens() ([]Token, error) {
	rows, err := tx.query("SELECT " + tokenColumns + " FROM tokens ORDER BY created_at, id")
	out, err := collect(rows, err, 0, tokenReader())
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// DeleteToken deletes a token or returns ErrNotFound.
func (tx *Tx) DeleteToken(id string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ok, err := tx.execOne("DELETE FROM tokens WHERE id = ?", id)
	switch {
	case err != nil:
		return failed("delete", tokenKind, id, err)
	case !ok:
		return notFound(tokenKind, id)
	}
	return nil
}
