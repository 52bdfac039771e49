package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	expired := h.addToken("old", auth.Admin, time.Nanosecond)
	unknown, _, err := auth.New("ghost", auth.Admin, "test", 0, time.Now())
	require.NoError(t, err)

	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"not bearer", "Basic YWRtaW46YWRtaW4=", http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"garbage", "Bearer nonsense", http.StatusUnauthorized},
		{"unknown id", unknown, http.StatusUnauthorized},
		{"wrong secret", flipLast(h.tokens[auth.Admin]), http.StatusUnauthorized},
		{"expired", expired, http.StatusUnauthorized},
		{"viewer", auth.Viewer, http.StatusOK},
		{"admin", auth.Admin, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(http.MethodGet, "/api/v1/whoami", tt.auth, nil)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			if tt.status == http.StatusUnauthorized {
				assert.Equal(t, `Bearer realm="slipway"`, r.header.Get("WWW-Authenticate"))
				e := r.apiError(t)
				assert.Equal(t, "Authorization", e.Field)
				assert.NotEmpty(t, e.Message)
			}
		})
	}
}

func TestWhoami(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/api/v1/whoami", auth.Operator, nil)
	require.Equal(t, http.StatusOK, r.status)
	var w api.Whoami
	r.decode(t, &w)
	assert.Equal(t, api.Whoami{Actor: "token:operator", Role: auth.Operator}, w)
}

// TestRoles checks each role against routes that need more or less.
func TestRoles(t *testing.T) {
	h := newHarness(t)
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})
	creds := api.CredentialsRequest{Name: "r1-bmc", Username: "admin", Password: "pw"}
	tok := api.TokenRequest{Name: "ci", Role: auth.Viewer}

	tests := []struct {
		method, path string
		body         any
		role         string
		status       int
	}{
		{http.MethodGet, "/api/v1/machines", nil, auth.Viewer, http.StatusOK},
		{http.MethodGet, "/api/v1/version", nil, auth.Viewer, http.StatusOK},
		{http.MethodPost, "/api/v1/machines/r1-u01/actions", api.ActionRequest{Action: "maintenance-on"}, auth.Viewer, http.StatusForbidden},
		{http.MethodPost, "/api/v1/machines/r1-u01/actions", api.ActionRequest{Action: "maintenance-on"}, auth.Operator, http.StatusAccepted},
		{http.MethodPost, "/api/v1/inventory/plan", api.PlanRequest{}, auth.Viewer, http.StatusForbidden},
		{http.MethodPost, "/api/v1/inventory/apply", api.ApplyRequest{}, auth.Viewer, http.StatusForbidden},
		{http.MethodDelete, "/api/v1/networks/lab", nil, auth.Viewer, http.StatusForbidden},
		{http.MethodGet, "/api/v1/audit", nil, auth.Viewer, http.StatusForbidden},
		{http.MethodGet, "/api/v1/audit", nil, auth.Operator, http.StatusForbidden},
		{http.MethodGet, "/api/v1/audit", nil, auth.Admin, http.StatusOK},
		{http.MethodGet, "/api/v1/tokens", nil, auth.Operator, http.StatusForbidden},
		{http.MethodGet, "/api/v1/tokens", nil, auth.Admin, http.StatusOK},
		{http.MethodPost, "/api/v1/tokens", tok, auth.Operator, http.StatusForbidden},
		{http.MethodPost, "/api/v1/tokens", tok, auth.Admin, http.StatusCreated},
		{http.MethodPost, "/api/v1/credentials", creds, auth.Viewer, http.StatusForbidden},
		{http.MethodPost, "/api/v1/credentials", creds, auth.Operator, http.StatusForbidden},
		{http.MethodPost, "/api/v1/credentials", creds, auth.Admin, http.StatusCreated},
		{http.MethodGet, "/api/v1/credentials", nil, auth.Viewer, http.StatusOK},
		{http.MethodDelete, "/api/v1/credentials/r1-bmc", nil, auth.Operator, http.StatusForbidden},
		{http.MethodDelete, "/api/v1/tokens/xyz", nil, auth.Operator, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" as "+tt.role, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.role, tt.body)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			if tt.status == http.StatusForbidden {
				e := r.apiError(t)
				assert.Contains(t, e.Message, "needs role")
				assert.Contains(t, e.Message, "token:"+tt.role)
			}
		})
	}
}

// TestUnauthenticatedMutationRefused is the issue's "an unauthenticated
// POST gets 401", for every mutating route.
func TestUnauthenticatedMutationRefused(t *testing.T) {
	h := newHarness(t)
	for _, rt := range h.srv.routeTable() {
		if rt.role == "" || !mutating(rt.method) {
			continue
		}
		r := h.do(rt.method, fillPath(rt.path), "", "{}")
		assert.Equal(t, http.StatusUnauthorized, r.status, "%s %s", rt.method, rt.path)
	}
}

func fillPath(p string) string {
	out := []byte{}
	for i := 0; i < len(p); i++ {
		if p[i] != ':' {
			out = append(out, p[i])
			continue
		}
		out = append(out, 'x')
		for i+1 < len(p) && p[i+1] != '/' {
			i++
		}
	}
	return string(out)
}

func TestTokenLifecycle(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/api/v1/tokens", auth.Admin, api.TokenRequest{Name: "ci-bot", Role: auth.Operator, TTL: "1h"})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	var created api.TokenResponse
	r.decode(t, &created)
	assert.Equal(t, "ci-bot", created.Info.Name)
	assert.Equal(t, auth.Operator, created.Info.Role)
	assert.Equal(t, "token:admin", created.Info.CreatedBy)
	require.NotNil(t, created.Info.ExpiresAt)
	assert.NotContains(t, string(r.body), `"hash"`)

	// The new token works (and is now cached).
	require.Equal(t, http.StatusOK, h.do(http.MethodGet, "/api/v1/whoami", created.Token, nil).status)

	r = h.do(http.MethodGet, "/api/v1/tokens", auth.Admin, nil)
	require.Equal(t, http.StatusOK, r.status)
	var list api.List[store.Token]
	r.decode(t, &list)
	assert.Len(t, list.Items, 4)
	assert.NotContains(t, string(r.body), created.Token)

	// Deleting revokes at once, despite the cache.
	r = h.do(http.MethodDelete, "/api/v1/tokens/"+created.Info.ID, auth.Admin, nil)
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Equal(t, http.StatusUnauthorized, h.do(http.MethodGet, "/api/v1/whoami", created.Token, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodDelete, "/api/v1/tokens/"+created.Info.ID, auth.Admin, nil).status)
	assert.NotContains(t, h.logs.String(), created.Token)
}

func TestTokenRequestValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		req   api.TokenRequest
		field string
	}{
		{api.TokenRequest{Name: "", Role: auth.Viewer}, "name"},
		{api.TokenRequest{Name: "Bad Name", Role: auth.Viewer}, "name"},
		{api.TokenRequest{Name: "ok", Role: "root"}, "role"},
		{api.TokenRequest{Name: "ok", Role: auth.Viewer, TTL: "soon"}, "ttl"},
		{api.TokenRequest{Name: "ok", Role: auth.Viewer, TTL: "-1h"}, "ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.req.Name+tt.req.Role+tt.req.TTL, func(t *testing.T) {
			r := h.do(http.MethodPost, "/api/v1/tokens", auth.Admin, tt.req)
			require.Equal(t, http.StatusBadRequest, r.status, "body: %s", r.body)
			assert.Equal(t, tt.field, r.apiError(t).Field)
		})
	}
}

// TestTokenCacheExpiry checks a cached token stops working when it expires.
func TestTokenCacheExpiry(t *testing.T) {
	now := time.Now()
	tc := newTokenCache(time.Minute, func() time.Time { return now })
	exp := now.Add(time.Second)
	key := [32]byte{1}
	tc.put(key, store.Token{ID: "a", ExpiresAt: &exp})
	_, ok := tc.get(key)
	require.True(t, ok)
	now = now.Add(2 * time.Second)
	_, ok = tc.get(key)
	require.False(t, ok, "expired token served from cache")

	tc.put(key, store.Token{ID: "b"})
	now = now.Add(2 * time.Minute)
	_, ok = tc.get(key)
	require.False(t, ok, "cache entry outlived its ttl")
}

func flipLast(s string) string {
	last := byte('a')
	if s[len(s)-1] == 'a' {
		last = 'b'
	}
	return s[:len(s)-1] + string(last)
}
