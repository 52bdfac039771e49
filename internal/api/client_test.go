package api

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/pki"
	"github.com/slipway-dev/slipway/internal/store"
)

// newTLSServer starts h over TLS and returns a client trusting only its cert.
func newTLSServer(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c, err := New(srv.URL, "slw_id_secret", caPEM)
	require.NoError(t, err)
	c.retryDelay = time.Millisecond
	return c
}

func TestNewRejectsBadServer(t *testing.T) {
	for _, s := range []string{"", "slipway:8443", "ftp://x", "https://"} {
		_, err := New(s, "", nil)
		assert.Error(t, err, s)
	}
	_, err := New("https://x", "", []byte("not pem"))
	assert.ErrorContains(t, err, "no PEM certificate")
}

func TestRequestShape(t *testing.T) {
	var got *http.Request
	c := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = w.Write([]byte(`{"items":[{"name":"r1-u07","state":"registered"}]}`))
	}))
	list, err := c.Machines(t.Context(), MachineQuery{State: "registered", Labels: []string{"rack=r1", "role=worker"}})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "r1-u07", list.Items[0].Name)
	assert.Equal(t, "Bearer slw_id_secret", got.Header.Get("Authorization"))
	assert.Equal(t, "/api/v1/machines", got.URL.Path)
	assert.Equal(t, "label=rack%3Dr1&label=role%3Dworker&state=registered", got.URL.RawQuery)
}

func TestRoutes(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	c := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	}))
	ctx := t.Context()
	_, _ = c.Version(ctx)
	_, _ = c.Whoami(ctx)
	_, _ = c.Machine(ctx, "r1-u07")
	_, _ = c.Objects(ctx, inventory.KindNetwork)
	_, _ = c.Object(ctx, inventory.KindImage, "edge-os")
	_, _ = c.Credentials(ctx)
	_, _ = c.Credential(ctx, "r1-bmc")
	_, _ = c.CreateCredentials(ctx, CredentialsRequest{Name: "r1-bmc"})
	_, _ = c.Plan(ctx, PlanRequest{})
	_, _ = c.Apply(ctx, ApplyRequest{})
	_ = c.Delete(ctx, inventory.KindMachine, "r1-u07", 3)
	_ = c.Delete(ctx, inventory.KindCredentials, "r1-bmc", 0)
	_, _ = c.Events(ctx, EventQuery{Machine: "r1-u07", After: 5})
	_, _ = c.Audit(ctx, AuditQuery{Actor: "token:admin"})
	_, _ = c.Tokens(ctx)
	_, _ = c.CreateToken(ctx, TokenRequest{Name: "ci", Role: "viewer"})
	_ = c.DeleteToken(ctx, "abc")
	_, _ = c.Action(ctx, "r1-u07", ActionRequest{Action: "inspect"})
	_, _ = c.Operation(ctx, "op1")
	want := []string{
		"GET /api/v1/version",
		"GET /api/v1/whoami",
		"GET /api/v1/machines/r1-u07",
		"GET /api/v1/networks",
		"GET /api/v1/images/edge-os",
		"GET /api/v1/credentials",
		"GET /api/v1/credentials/r1-bmc",
		"POST /api/v1/credentials",
		"POST /api/v1/inventory/plan",
		"POST /api/v1/inventory/apply",
		"DELETE /api/v1/machines/r1-u07?revision=3",
		"DELETE /api/v1/credentials/r1-bmc",
		"GET /api/v1/events?after=5&machine=r1-u07",
		"GET /api/v1/audit?actor=token%3Aadmin",
		"GET /api/v1/tokens",
		"POST /api/v1/tokens",
		"DELETE /api/v1/tokens/abc",
		"POST /api/v1/machines/r1-u07/actions",
		"GET /api/v1/operations/op1",
	}
	assert.Empty(t, cmp.Diff(want, seen))
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   *Error
	}{
		{"field", 409, `{"error":"referenced by Machine r1-u07","field":"Credentials r1-bmc"}`,
			&Error{Status: 409, Message: "referenced by Machine r1-u07", Field: "Credentials r1-bmc"}},
		{"inventory", 422, `{"error":"unknown field","field":"a.yaml: Machine m: spec.x","errors":[{"file":"a.yaml","kind":"Machine","name":"m","field":"spec.x","message":"unknown field"},{"file":"a.yaml","message":"bad"}]}`,
			&Error{Status: 422, Message: "unknown field", Field: "a.yaml: Machine m: spec.x", Errors: []inventory.FieldError{
				{File: "a.yaml", Kind: "Machine", Name: "m", Field: "spec.x", Message: "unknown field"},
				{File: "a.yaml", Message: "bad"}}}},
		{"not json", 502, "<html>bad gateway</html>", &Error{Status: 502, Message: "<html>bad gateway</html> (HTTP 502)"}},
		{"empty", 401, "", &Error{Status: 401, Message: "Unauthorized (HTTP 401)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			_, err := c.Whoami(t.Context())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Empty(t, cmp.Diff(tt.want, e))
			assert.True(t, IsStatus(err, tt.status))
		})
	}
}

func TestUntrustedServerRefused(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	other, err := pki.Ensure(t.TempDir(), nil, time.Now()) // a CA the server does not chain to
	require.NoError(t, err)
	c, err := New(srv.URL, "", other.CAPEM)
	require.NoError(t, err)
	_, err = c.Whoami(t.Context())
	assert.ErrorContains(t, err, "certificate")
}

// The stream drops after two events; the client reconnects with
// Last-Event-ID and gets the rest, each event once.
func TestFollowEventsReconnects(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	c := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "true", r.URL.Query().Get("follow"))
		assert.Equal(t, "r1-u07", r.URL.Query().Get("machine"))
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		n := len(lastIDs)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		from := 1
		if n > 1 {
			from = 2 // the server repeats event 2: the client drops the duplicate
		}
		_, _ = fmt.Fprint(w, ": ping\n\n")
		for id := from; id < from+2; id++ {
			_, _ = fmt.Fprintf(w, "id: %d\nevent: event\ndata: {\"id\":%d,\"machine\":\"r1-u07\",\"type\":\"state\"}\n\n", id, id)
		}
	}))
	var got []int64
	errDone := errors.New("done")
	err := c.FollowEvents(t.Context(), EventQuery{Machine: "r1-u07"}, 0, func(e store.Event) error {
		got = append(got, e.ID)
		if e.ID == 3 {
			return errDone
		}
		return nil
	})
	require.ErrorIs(t, err, errDone)
	assert.Equal(t, []int64{1, 2, 3}, got)
	assert.Equal(t, []string{"", "2"}, lastIDs)
}

func TestFollowEventsStopsOnRefusal(t *testing.T) {
	c := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid or expired token"}`))
	}))
	err := c.FollowEvents(t.Context(), EventQuery{}, 0, func(store.Event) error { return nil })
	assert.True(t, IsStatus(err, http.StatusUnauthorized))
}

func TestFollowEventsEndsWithContext(t *testing.T) {
	c := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.FollowEvents(ctx, EventQuery{}, 0, func(store.Event) error { return nil }) }()
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("FollowEvents did not return after cancel")
	}
}

func TestClientConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cfg", "client.yaml")
	in := ClientConfig{Server: "https://slipway:8443", Token: "slw_a_b", CAData: "-----BEGIN CERTIFICATE-----\n"}
	require.NoError(t, SaveClientConfig(path, in))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	out, err := LoadClientConfig(path, nil)
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(in, out))

	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, []byte("CA"), 0o600))
	out, err = LoadClientConfig("", []string{EnvClientConfig + "=" + path,
		EnvServer + "=https://other:1", EnvToken + "=slw_c_d", EnvCAFile + "=" + caFile})
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(ClientConfig{Server: "https://other:1", Token: "slw_c_d", CAData: "CA"}, out))
}

func TestClientConfigPath(t *testing.T) {
	p, err := ClientConfigPath([]string{"HOME=/home/op"})
	require.NoError(t, err)
	assert.Equal(t, "/home/op/.config/slipway/client.yaml", p)
	p, err = ClientConfigPath([]string{"HOME=/home/op", EnvClientConfig + "=/etc/x.yaml"})
	require.NoError(t, err)
	assert.Equal(t, "/etc/x.yaml", p)
}

func TestClientConfigMissingAndStrict(t *testing.T) {
	dir := t.TempDir()
	cfg, err := LoadClientConfig(filepath.Join(dir, "absent.yaml"), nil)
	require.NoError(t, err)
	assert.Equal(t, ClientConfig{}, cfg)
	_, err = cfg.Client()
	assert.ErrorContains(t, err, "slipway login")

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("server: x\nsrever: y\n"), 0o600))
	_, err = LoadClientConfig(bad, nil)
	assert.ErrorContains(t, err, "srever")
}

func TestPlural(t *testing.T) {
	for k, want := range map[inventory.Kind]string{
		inventory.KindMachine: "machines", inventory.KindNetwork: "networks",
		inventory.KindCredentials: "credentials", inventory.KindFleet: "fleets",
	} {
		assert.Equal(t, want, Plural(k))
	}
}
