package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/ui"
)

// Passwords of the test users (one per role, named after the role).
const testPassword = "correct horse battery"

// harness is the API server with the UI mounted, on a real SQLite store,
// behind an HTTPS httptest server.
type harness struct {
	t  testing.TB
	db *store.DB
	ts *httptest.Server
	ui *ui.UI
}

// fixedNow is the clock of golden tests.
var fixedNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func newHarness(t testing.TB, opts ...ui.Option) *harness {
	t.Helper()
	return newHarnessWith(t, func(*store.DB) []ui.Option { return opts })
}

// newHarnessWith builds the UI with the options made from its store.
func newHarnessWith(t testing.TB, options func(*store.DB) []ui.Option) *harness {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite,
		Path: filepath.Join(t.TempDir(), "slipway.db")}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	kr, err := secret.New(make([]byte, 32))
	require.NoError(t, err)
	srv, err := server.New(server.Config{}, server.Deps{DB: db, Sealer: kr})
	require.NoError(t, err)
	u, err := ui.New(db, nil, options(db)...)
	require.NoError(t, err)
	srv.Mount(u)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Run(ctx) }()
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(func() { cancel(); ts.Close(); <-done })
	h := &harness{t: t, db: db, ts: ts, ui: u}
	for _, role := range []string{"viewer", "operator", "admin"} {
		usr, err := ui.NewUser(role, role, testPassword, "test")
		require.NoError(t, err)
		require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error { return tx.PutUser(&usr) }))
	}
	return h
}

// apply applies an inventory as the system.
func (h *harness) apply(yaml string) {
	h.t.Helper()
	_, err := inventory.Apply(h.t.Context(), h.db, []inventory.File{{Name: "site.yaml", Content: yaml}},
		inventory.ApplyOptions{Actor: "system"})
	require.NoError(h.t, err)
}

// siteYAML declares n machines over racks of 40 units (r1-u01 ...), with a
// cluster and an image.
func siteYAML(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: slipway.dev/v1alpha1\nkind: Image\nmetadata: {name: edge-os}\n" +
		"spec: {file: /srv/edge-os.raw.zst, format: raw.zst, sha256: " + strings.Repeat("ab", 32) + "}\n---\n")
	b.WriteString("apiVersion: slipway.dev/v1alpha1\nkind: Cluster\nmetadata: {name: edge-1}\n" +
		"spec: {kubernetesVersion: v1.37.2, controlPlane: {machines: [r1-u01]}, workers: {selector: {role: worker}}}\n")
	for i := range n {
		rack, unit := i/40+1, i%40+1
		fmt.Fprintf(&b, "---\napiVersion: slipway.dev/v1alpha1\nkind: Machine\nmetadata:\n  name: r%d-u%02d\n"+
			"  labels: {rack: r%d, unit: \"%d\", role: worker}\nspec:\n  mac: \"52:54:00:%02x:%02x:%02x\"\n"+
			"  bmc: {address: \"ipmi://127.0.0.1:%d\"}\n  hardware: {cpus: 4, memoryGiB: 8, disks: [{sizeGiB: 100}]}\n"+
			"  image: edge-os\n  cluster: edge-1\n", rack, unit, rack, unit, i>>16&0xff, i>>8&0xff, i&0xff, 6230+i)
	}
	return b.String()
}

// client is a browser: a cookie jar trusting the test server.
type client struct {
	h    *harness
	http *http.Client
	csrf string
}

func (h *harness) client() *client {
	jar, err := cookiejar.New(nil)
	require.NoError(h.t, err)
	c := h.ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{h: h, http: c}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in as user (whose password is testPassword).
func (h *harness) signIn(user string) *client {
	h.t.Helper()
	c := h.client()
	_, body := c.get("/login")
	m := csrfInput.FindStringSubmatch(body)
	require.NotNil(h.t, m, "the sign-in form carries a CSRF token")
	res, _ := c.post("/login", url.Values{"csrf": {m[1]}, "user": {user}, "password": {testPassword}}, nil)
	require.Equal(h.t, http.StatusSeeOther, res.StatusCode)
	_, body = c.get("/machines")
	m = csrfInput.FindStringSubmatch(body)
	require.NotNil(h.t, m)
	c.csrf = m[1]
	return c
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.h.t.Helper()
	res, err := c.http.Do(req)
	require.NoError(c.h.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.h.t, err)
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	req, err := http.NewRequestWithContext(c.h.t.Context(), http.MethodGet, c.h.ts.URL+path, nil)
	require.NoError(c.h.t, err)
	return c.do(req)
}

// post sends a form; header adds request headers (HX-Request, Origin).
func (c *client) post(path string, form url.Values, header http.Header) (*http.Response, string) {
	req, err := http.NewRequestWithContext(c.h.t.Context(), http.MethodPost, c.h.ts.URL+path, strings.NewReader(form.Encode()))
	require.NoError(c.h.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return c.do(req)
}

// form is a form with the session's CSRF token.
func (c *client) form(kv ...string) url.Values {
	v := url.Values{"csrf": {c.csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
