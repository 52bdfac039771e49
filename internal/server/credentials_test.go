package server

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// TestCredentialsNeverLeak stores a secret and checks that no answer and
// no log line (debug level included) ever carries the password, and that
// what the store keeps opens to it with the name as AAD.
func TestCredentialsNeverLeak(t *testing.T) {
	const password = "Zebra-Lantern-9931-secret"
	h := newHarness(t)
	var seen []response
	do := func(method, path, role string, body any) response {
		r := h.do(method, path, role, body)
		seen = append(seen, r)
		return r
	}

	r := do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "r1-bmc", Username: "root", Password: password})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	var got api.Credentials
	r.decode(t, &got)
	assert.Equal(t, "r1-bmc", got.Name)
	assert.Equal(t, "root", got.Username)
	assert.True(t, got.HasSecret)
	assert.False(t, got.Declared)

	// Refused and malformed requests that carry the password.
	do(http.MethodPost, "/api/v1/credentials", auth.Viewer, api.CredentialsRequest{Name: "r2-bmc", Username: "root", Password: password})
	do(http.MethodPost, "/api/v1/credentials", "", api.CredentialsRequest{Name: "r2-bmc", Username: "root", Password: password})
	do(http.MethodPost, "/api/v1/credentials", auth.Admin, `{"name":"Bad Name","username":"root","password":"`+password+`"}`)
	do(http.MethodPost, "/api/v1/credentials", auth.Admin, `{"name":"r3","password":"`+password+`","extra":1}`)
	do(http.MethodPost, "/api/v1/credentials", auth.Admin, `{"name":"r3","password":"`+password+``)

	do(http.MethodGet, "/api/v1/credentials", auth.Viewer, nil)
	do(http.MethodGet, "/api/v1/credentials/r1-bmc", auth.Viewer, nil)
	do(http.MethodGet, "/api/v1/audit", auth.Admin, nil)
	do(http.MethodGet, "/api/v1/events", auth.Viewer, nil)
	for _, r := range seen {
		assert.NotContains(t, string(r.body), password)
	}
	assert.NotContains(t, h.logs.String(), password)
	assert.NotEmpty(t, h.logs.String(), "the log was captured")

	var stored store.Credential
	require.NoError(t, h.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		stored, err = tx.GetCredential("r1-bmc")
		return err
	}))
	assert.NotContains(t, string(stored.Sealed), password)
	kr, err := secret.New(testKey())
	require.NoError(t, err)
	plain, err := kr.Open(stored.Sealed, []byte("r1-bmc"))
	require.NoError(t, err)
	assert.Equal(t, password, string(plain))
	_, err = kr.Open(stored.Sealed, []byte("r2-bmc"))
	assert.Error(t, err, "the name is bound as AAD")
}

func TestCredentialsValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		req   api.CredentialsRequest
		field string
	}{
		{api.CredentialsRequest{Name: "", Username: "u", Password: "p"}, "name"},
		{api.CredentialsRequest{Name: "-x", Username: "u", Password: "p"}, "name"},
		{api.CredentialsRequest{Name: "x", Username: "", Password: "p"}, "username"},
		{api.CredentialsRequest{Name: "x", Username: "u", Password: ""}, "password"},
	}
	for _, tt := range tests {
		r := h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, tt.req)
		require.Equal(t, http.StatusBadRequest, r.status, "body: %s", r.body)
		assert.Equal(t, tt.field, r.apiError(t).Field)
	}
}

func TestCredentialsListAndDelete(t *testing.T) {
	h := newHarness(t)
	for _, n := range []string{"b-bmc", "a-bmc"} {
		r := h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: n, Username: "root", Password: "x"})
		require.Equal(t, http.StatusCreated, r.status)
	}
	var l api.List[api.Credentials]
	h.do(http.MethodGet, "/api/v1/credentials", auth.Viewer, nil).decode(t, &l)
	require.Len(t, l.Items, 2)
	assert.Equal(t, "a-bmc", l.Items[0].Name)

	// Replacing keeps one entry.
	r := h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "a-bmc", Username: "admin", Password: "y"})
	require.Equal(t, http.StatusCreated, r.status)
	var one api.Credentials
	h.do(http.MethodGet, "/api/v1/credentials/a-bmc", auth.Viewer, nil).decode(t, &one)
	assert.Equal(t, "admin", one.Username)

	// A secret without a declared object is deleted on its own.
	r = h.do(http.MethodDelete, "/api/v1/credentials/b-bmc", auth.Admin, nil)
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodGet, "/api/v1/credentials/b-bmc", auth.Viewer, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodDelete, "/api/v1/credentials/b-bmc", auth.Admin, nil).status)
}

func testKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = 7
	}
	return k
}
