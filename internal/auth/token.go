// Package auth issues and checks API tokens and orders roles. A token is
// "slw_<id>_<secret>": the id is public and indexes the store, the secret is
// 32 random bytes of which only a SHA-256 hash is stored.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// Roles in increasing privilege.
const (
	Viewer   = "viewer"
	Operator = "operator"
	Admin    = "admin"
)

var roleRank = map[string]int{Viewer: 1, Operator: 2, Admin: 3}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool { return roleRank[r] > 0 }

// Allows reports whether role has at least the privilege of need.
func Allows(role, need string) bool {
	return roleRank[role] > 0 && roleRank[role] >= roleRank[need]
}

// ErrInvalidToken is returned for a malformed, unknown, expired or wrong token.
// The message never says which, so probing learns nothing.
var ErrInvalidToken = errors.New("invalid or expired token")

const prefix = "slw_"

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New makes a token for name with role. It returns the secret string (to show
// once) and the record to store.
func New(name, role, createdBy string, ttl time.Duration, now time.Time) (string, store.Token, error) {
	if !ValidRole(role) {
		return "", store.Token{}, fmt.Errorf("role: %q is not one of viewer, operator, admin", role)
	}
	if name == "" {
		return "", store.Token{}, errors.New("name: required")
	}
	idb := make([]byte, 10)
	sec := make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return "", store.Token{}, fmt.Errorf("token: %w", err)
	}
	if _, err := rand.Read(sec); err != nil {
		return "", store.Token{}, fmt.Errorf("token: %w", err)
	}
	id := enc.EncodeToString(idb)
	secret := prefix + id + "_" + enc.EncodeToString(sec)
	t := store.Token{ID: id, Name: name, Role: role, Hash: hash(secret), CreatedBy: createdBy, CreatedAt: now.UTC()}
	if ttl > 0 {
		exp := now.Add(ttl).UTC()
		t.ExpiresAt = &exp
	}
	return secret, t, nil
}

// ParseID returns the public id inside a token string.
func ParseID(token string) (string, error) {
	rest, ok := strings.CutPrefix(token, prefix)
	if !ok {
		return "", ErrInvalidToken
	}
	id, _, ok := strings.Cut(rest, "_")
	if !ok || id == "" {
		return "", ErrInvalidToken
	}
	return id, nil
}

// Check verifies token against its stored record at time now.
func Check(token string, t store.Token, now time.Time) error {
	if subtle.ConstantTimeCompare(hash(token), t.Hash) != 1 {
		return ErrInvalidToken
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return ErrInvalidToken
	}
	return nil
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
