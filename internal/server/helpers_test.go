package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a server on a real SQLite store behind an httptest server,
// with one token per role.
type harness struct {
	t      testing.TB
	db     *store.DB
	srv    *Server
	ts     *httptest.Server
	url    string       // where requests go (ts, or a server started with Run)
	client *http.Client // the client for url
	logs   *logBuffer
	tokens map[string]string // role → token
}

type harnessOpts struct {
	cfg  Config
	deps Deps
	opts []Option
}

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{Driver: store.DriverSQLite,
		Path: filepath.Join(t.TempDir(), "slipway.db")}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newHarness(t testing.TB, ho ...harnessOpts) *harness {
	t.Helper()
	return newHarnessOn(t, openStore(t), ho...)
}

// newHarnessOn is newHarness on an open store.
func newHarnessOn(t testing.TB, db *store.DB, ho ...harnessOpts) *harness {
	t.Helper()
	h := &harness{t: t, db: db, logs: &logBuffer{}, tokens: map[string]string{}}
	kr, err := secret.New(testKey())
	require.NoError(t, err)
	deps := Deps{Sealer: kr}
	cfg := Config{}
	var opts []Option
	for _, o := range ho {
		cfg, deps = o.cfg, o.deps
		opts = append(opts, o.opts...)
	}
	cfg.Version = api.Version{Version: "v0.0.0-test", Commit: "abc123"}
	deps.DB = h.db
	if deps.Sealer == nil {
		deps.Sealer = kr
	}
	deps.Log = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.srv, err = New(cfg, deps, opts...)
	require.NoError(t, err)
	h.ts = httptest.NewServer(h.srv.Handler())
	h.url, h.client = h.ts.URL, h.ts.Client()
	t.Cleanup(func() {
		h.srv.halt()
		h.srv.ops.Wait()
		h.ts.Close()
	})
	for _, role := range []string{auth.Viewer, auth.Operator, auth.Admin} {
		h.tokens[role] = h.addToken(role, role, 0)
	}
	return h
}

// addToken stores a token named name and returns its secret.
func (h *harness) addToken(name, role string, ttl time.Duration) string {
	h.t.Helper()
	sec, tok, err := auth.New(name, role, "test", ttl, time.Now())
	require.NoError(h.t, err)
	require.NoError(h.t, h.db.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateToken(&tok) }))
	return sec
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) apiError(t testing.TB) api.Error {
	t.Helper()
	var e api.Error
	require.NoError(t, json.Unmarshal(r.body, &e), "body: %s", r.body)
	return e
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// do sends a request with the token of role ("" for none; a value with
// "slw" or "Bearer" in it is sent as is).
func (h *harness) do(method, path, role string, body any) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, h.url+path, rd)
	require.NoError(h.t, err)
	h.authorize(req, role)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (h *harness) authorize(req *http.Request, role string) {
	switch {
	case role == "":
	case strings.HasPrefix(role, "Bearer") || strings.HasPrefix(role, "Basic"):
		req.Header.Set("Authorization", role)
	case strings.HasPrefix(role, "slw_"):
		req.Header.Set("Authorization", "Bearer "+role)
	default:
		tok, ok := h.tokens[role]
		require.True(h.t, ok, "no token for role %q", role)
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}

// testMachine is a machine to store directly (the inventory is another
// package's business).
type testMachine struct {
	name, mac, state, cluster string
	labels                    map[string]string
	undeclared                bool // discovered: no Machine object
}

func (h *harness) addMachines(ms ...testMachine) {
	h.t.Helper()
	require.NoError(h.t, h.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, tm := range ms {
			if err := storeMachine(tx, tm); err != nil {
				return err
			}
		}
		return nil
	}))
}

func storeMachine(tx *store.Tx, tm testMachine) error {
	st := machine.Registered
	if tm.undeclared {
		st = machine.Discovered
	}
	m := &store.Machine{Name: tm.name, MAC: tm.mac}
	if err := machine.Create(tx, m, st, machine.Cause{Reason: "test", Actor: "system"}); err != nil {
		return err
	}
	if tm.state != "" && tm.state != m.State {
		m.State = tm.state
		if err := tx.UpdateMachine(m, m.Revision); err != nil {
			return err
		}
	}
	if tm.undeclared {
		return nil
	}
	spec := fmt.Sprintf(`{"mac":%q,"bmc":{"address":"ipmi://10.0.0.1:623","credentialsRef":"r1-bmc"}`, tm.mac)
	if tm.cluster != "" {
		spec += fmt.Sprintf(`,"cluster":%q`, tm.cluster)
	}
	spec += "}"
	return tx.CreateObject(&store.Object{Kind: "Machine", Name: tm.name, Labels: tm.labels, Spec: json.RawMessage(spec)})
}

func mac(i int) string {
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", (i>>16)&0xff, (i>>8)&0xff, i&0xff)
}
