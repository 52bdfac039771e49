package server

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

// identity is the authenticated caller.
type identity struct {
	Actor   string // token:<name>
	Role    string
	TokenID string
}

// actorOf is the caller's audit name: token:<name>, or anonymous before
// (or without) authentication.
func actorOf(c echo.Context) string {
	if id, ok := c.Get(keyIdentity).(*identity); ok {
		return id.Actor
	}
	return "anonymous"
}

func unauthorized(c echo.Context, msg string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="slipway"`)
	return &httpError{status: http.StatusUnauthorized, body: api.Error{Message: msg, Field: "Authorization"}}
}

// authorize authenticates the bearer token and requires role.
func (s *Server) authorize(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw, ok := bearer(c.Request())
			if !ok {
				return unauthorized(c, "a bearer token is required (Authorization: Bearer slw_...)")
			}
			id, err := s.verify(c, raw)
			if errors.Is(err, auth.ErrInvalidToken) {
				return unauthorized(c, auth.ErrInvalidToken.Error())
			}
			if err != nil {
				return err
			}
			c.Set(keyIdentity, id)
			if !auth.Allows(id.Role, role) {
				return &httpError{status: http.StatusForbidden, body: api.Error{
					Message: fmt.Sprintf("%s has role %s; this needs role %s", id.Actor, id.Role, role)}}
			}
			return next(c)
		}
	}
}

// bearer returns the token of "Authorization: Bearer <token>", or the
// password of Basic authentication (Terraform's http backend sends the
// token that way; the user name is ignored).
func bearer(r *http.Request) (string, bool) {
	if _, pw, ok := r.BasicAuth(); ok {
		return pw, pw != ""
	}
	h := r.Header.Get(echo.HeaderAuthorization)
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// verify checks raw against the store (or the short-lived cache of tokens
// verified recently).
func (s *Server) verify(c echo.Context, raw string) (*identity, error) {
	key := sha256.Sum256([]byte(raw))
	if t, ok := s.tokens.get(key); ok {
		return identityOf(t), nil
	}
	tid, err := auth.ParseID(raw)
	if err != nil {
		return nil, err
	}
	var t store.Token
	err = s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		t, err = tx.GetToken(tid)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, auth.ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	if err := auth.Check(raw, t, s.now()); err != nil {
		return nil, err
	}
	t.Hash = nil
	s.tokens.put(key, t)
	return identityOf(t), nil
}

func identityOf(t store.Token) *identity {
	return &identity{Actor: "token:" + t.Name, Role: t.Role, TokenID: t.ID}
}

// tokenCacheMax bounds the cache; a full cache is swept, then cleared.
const tokenCacheMax = 4096

// tokenCache remembers tokens verified in the last ttl, keyed by the
// SHA-256 of the presented secret, so reads skip the store lookup.
type tokenCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	token store.Token
	until time.Time
}

func newTokenCache(ttl time.Duration, now func() time.Time) *tokenCache {
	return &tokenCache{ttl: ttl, now: now, entries: map[[sha256.Size]byte]cachedToken{}}
}

func (tc *tokenCache) get(key [sha256.Size]byte) (store.Token, bool) {
	now := tc.now()
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e, ok := tc.entries[key]
	if !ok {
		return store.Token{}, false
	}
	if !now.Before(e.until) || (e.token.ExpiresAt != nil && !now.Before(*e.token.ExpiresAt)) {
		delete(tc.entries, key)
		return store.Token{}, false
	}
	return e.token, true
}

func (tc *tokenCache) put(key [sha256.Size]byte, t store.Token) {
	now := tc.now()
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.entries) >= tokenCacheMax {
		for k, e := range tc.entries {
			if !now.Before(e.until) {
				delete(tc.entries, k)
			}
		}
		if len(tc.entries) >= tokenCacheMax {
			clear(tc.entries)
		}
	}
	tc.entries[key] = cachedToken{token: t, until: now.Add(tc.ttl)}
}

// forget drops every cached entry of token id (after it is deleted).
func (tc *tokenCache) forget(id string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for k, e := range tc.entries {
		if e.token.ID == id {
			delete(tc.entries, k)
		}
	}
}
