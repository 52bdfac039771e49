package ui_test

import (
	"crypto/sha256"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/ui"
	"github.com/slipway-dev/slipway/web"
)

// TestSecurityHeaders fails when a page loses its CSP or framing headers,
// or when the policy allows inline script or style.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	h.apply(siteYAML(3))
	c := h.signIn("admin")
	for _, p := range []string{"/login", "/", "/machines", "/machines/r1-u01", "/inventory", "/events", "/audit", "/static/app.css"} {
		res, _ := c.get(p)
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		assert.Equal(t, ui.CSP, res.Header.Get("Content-Security-Policy"), p)
		if !strings.HasPrefix(p, "/static/") {
			assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"), p)
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"), p)
		}
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), p)
	}
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		assert.Contains(t, ui.CSP, want)
	}
	assert.NotContains(t, ui.CSP, "unsafe-inline")
	assert.NotContains(t, ui.CSP, "unsafe-eval")
}

// TestTemplatesHaveNoInlineCode keeps the CSP honest: no inline script,
// no event handler attributes, no style attributes.
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<script>|\son[a-z]+\s*=|\sstyle\s*=|<style`)
	err := fs.WalkDir(web.FS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS, path)
		require.NoError(t, err)
		assert.Empty(t, inline.FindAllString(string(b), -1), path)
		return nil
	})
	require.NoError(t, err)
}

func TestSessionCookie(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	_, body := c.get("/login")
	tok := csrfInput.FindStringSubmatch(body)[1]
	res, _ := c.post("/login", url.Values{"csrf": {tok}, "user": {"operator"}, "password": {testPassword}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == ui.SessionCookie {
			session = ck
		}
	}
	require.NotNil(t, session)
	assert.True(t, session.HttpOnly, "HttpOnly")
	assert.True(t, session.Secure, "Secure")
	assert.Equal(t, http.SameSiteStrictMode, session.SameSite)
	assert.Equal(t, "/", session.Path)
	assert.Positive(t, session.MaxAge, "the session expires")

	// Only the SHA-256 of the cookie is stored.
	sum := sha256.Sum256([]byte(session.Value))
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) error { _, err := tx.GetSession(sum[:]); return err }))
	err := h.db.View(t.Context(), func(tx *store.Tx) error { _, err := tx.GetSession([]byte(session.Value)); return err })
	require.ErrorIs(t, err, store.ErrNotFound)

	t.Run("wrong password", func(t *testing.T) {
		c := h.client()
		_, body := c.get("/login")
		tok := csrfInput.FindStringSubmatch(body)[1]
		res, body := c.post("/login", url.Values{"csrf": {tok}, "user": {"operator"}, "password": {"nope"}}, nil)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		assert.Contains(t, body, "Wrong user name or password.")
	})
	t.Run("login without its CSRF cookie", func(t *testing.T) {
		res, _ := h.client().post("/login", url.Values{"csrf": {tok}, "user": {"operator"}, "password": {testPassword}}, nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
	t.Run("signed out is redirected", func(t *testing.T) {
		res, _ := h.client().get("/machines")
		assert.Equal(t, http.StatusSeeOther, res.StatusCode)
		assert.Equal(t, "/login?next=%2Fmachines", res.Header.Get("Location"))
	})
	t.Run("sign out ends the session", func(t *testing.T) {
		c := h.signIn("viewer")
		res, _ := c.post("/logout", c.form(), nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		res, _ = c.get("/")
		assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	})
	t.Run("open redirect refused", func(t *testing.T) {
		c := h.client()
		_, body := c.get("/login")
		tok := csrfInput.FindStringSubmatch(body)[1]
		res, _ := c.post("/login", url.Values{"csrf": {tok}, "user": {"operator"}, "password": {testPassword},
			"next": {"//evil.example/"}}, nil)
		assert.Equal(t, "/", res.Header.Get("Location"))
	})
}

// TestCSRFAndRoles: every POST needs the session's token from this origin,
// and the role the API would need; refusals are audited.
func TestCSRFAndRoles(t *testing.T) {
	h := newHarness(t)
	h.apply(siteYAML(2))
	op := h.signIn("operator")
	act := "/machines/r1-u01/actions"
	for _, tt := range []struct {
		name   string
		form   url.Values
		header http.Header
		want   int
	}{
		{"no token", url.Values{"action": {"maintenance-on"}}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"csrf": {"forged"}, "action": {"maintenance-on"}}, nil, http.StatusForbidden},
		{"other origin", op.form("action", "maintenance-on"), http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"cross-site fetch", op.form("action", "maintenance-on"), http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"token in header", url.Values{"action": {"maintenance-on"}}, http.Header{"X-Csrf-Token": {op.csrf}, "Hx-Request": {"true"}}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := op.post(act, tt.form, tt.header)
			assert.Equal(t, tt.want, res.StatusCode, body)
		})
	}
	var m store.Machine
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) (err error) { m, err = tx.GetMachine("r1-u01"); return err }))
	assert.Equal(t, "maintenance", m.State, "only the request with the token acted")

	viewer := h.signIn("viewer")
	res, body := viewer.post("/machines/r1-u02/actions", viewer.form("action", "power-on"), nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, "needs role operator")
	_, body = viewer.get("/machines/r1-u02")
	assert.NotContains(t, body, "data-action=", "a viewer sees no action buttons")
	res, _ = viewer.get("/audit")
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "audit is for admins")
	res, _ = viewer.post("/inventory/plan", viewer.form("content", "x"), nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	var rows []store.Audit
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) (err error) {
		rows, err = tx.ListAudit(store.AuditFilter{Actor: "user:viewer"})
		return err
	}))
	i := slices.IndexFunc(rows, func(a store.Audit) bool { return a.Action == "POST /machines/:name/actions" })
	require.GreaterOrEqual(t, i, 0, "the refused action is audited: %+v", rows)
	assert.Equal(t, "r1-u02", rows[i].Target)
	assert.Equal(t, http.StatusForbidden, rows[i].Status)
	assert.Contains(t, rows[i].Result, "needs role operator")
	assert.Equal(t, "POST /login", rows[0].Action, "sign-ins are audited too")
}
