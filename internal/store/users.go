package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is a local user of the web UI. Its role is one of the API token roles
// (viewer, operator, admin). Only a password hash (bcrypt) is stored.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash []byte    `json:"-"`
	CreatedBy    string    `json:"createdBy,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

const (
	userKind    = "user"
	userColumns = "name, role, password_hash, created_by, created_at, updated_at"
)

func userReader() rowReader[User] {
	var (
		u                User
		created, updated int64
	)
	return rowReader[User]{
		dest: []any{&u.Name, &u.Role, &u.PasswordHash, &u.CreatedBy, &created, &updated},
		read: func() (User, error) {
			v := u
			v.PasswordHash = append([]byte(nil), u.PasswordHash...)
			v.CreatedAt, v.UpdatedAt = fromNanos(created), fromNanos(updated)
			return v, nil
		},
	}
}

// PutUser creates the user u, or replaces the role and password of the user
// of that name (CreatedAt and CreatedBy are then kept). Name, Role and
// PasswordHash are required.
func (tx *Tx) PutUser(u *User) error {
	if err := tx.writable(); err != nil {
		return err
	}
	switch {
	case u.Name == "":
		return fmt.Errorf("put %s: name is required", userKind)
	case u.Role == "" || len(u.PasswordHash) == 0:
		return fmt.Errorf("put %s %s: role and password hash are required", userKind, u.Name)
	}
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	_, err := tx.exec("INSERT INTO users ("+userColumns+") VALUES (?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,"+
		" updated_at = excluded.updated_at", u.Name, u.Role, u.PasswordHash, u.CreatedBy,
		toNanos(u.CreatedAt), toNanos(u.UpdatedAt))
	if err != nil {
		return failed("put", userKind, u.Name, err)
	}
	return nil
}

// GetUser returns a user by name or ErrNotFound.
func (tx *Tx) GetUser(name string) (User, error) {
	u, err := getOne(tx, userReader(), "SELECT "+userColumns+" FROM users WHERE name = ?", name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return User{}, notFound(userKind, name)
	case err != nil:
		return User{}, fmt.Errorf("get %s %s: %w", userKind, name, err)
	}
	return u, nil
}

// ListUsers returns every user in name order.
func (tx *Tx) ListUsers() ([]User, error) {
	rows, err := tx.query("SELECT " + userColumns + " FROM users ORDER BY name")
	out, err := collect(rows, err, 0, userReader())
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// DeleteUser deletes a user (and its sessions) or returns ErrNotFound.
func (tx *Tx) DeleteUser(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if _, err := tx.exec("DELETE FROM sessions WHERE username = ?", name); err != nil {
		return failed("delete sessions of", userKind, name, err)
	}
	ok, err := tx.execOne("DELETE FROM users WHERE name = ?", name)
	switch {
	case err != nil:
		return failed("delete", userKind, name, err)
	case !ok:
		return notFound(userKind, name)
	}
	return nil
}
