package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/timeline"
	"github.com/slipway-dev/slipway/web"
)

// base is what every page model carries (the layout reads it).
type base struct {
	Title  string
	Nav    string // the active navigation entry
	User   string
	Role   string
	CSRF   string
	Vendor bool // htmx is available: live updates and in-page actions
	// Stream is the event stream URL the page listens to ("" for none).
	Stream string
}

// Can reports whether the signed-in user has role need (templates).
func (b *base) Can(need string) bool { return auth.Allows(b.Role, need) }

// pageBase fills base for a signed-in request.
func (u *UI) pageBase(r *request, title, nav string) base {
	return base{Title: title, Nav: nav, User: r.user, Role: r.role, CSRF: r.csrf, Vendor: u.vendor}
}

// templates are the parsed page and fragment templates.
type templates struct {
	t *template.Template
}

func loadTemplates() (*templates, error) {
	t, err := template.New("").Funcs(funcs()).ParseFS(web.FS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: parse templates: %w", err)
	}
	return &templates{t: t}, nil
}

// vendored reports whether make copied htmx into the embedded assets.
func vendored() bool {
	_, err := fs.Stat(web.FS, "static/vendor/htmx.min.js")
	return err == nil
}

// execute renders the template name with data.
func (t *templates) execute(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := t.t.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("ui: render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// render writes the template name as the answer.
func (u *UI) render(c echo.Context, status int, name string, data any) error {
	b, err := u.tmpl.execute(name, data)
	if err != nil {
		return err
	}
	return c.HTMLBlob(status, b)
}

// htmx reports whether the request came from htmx (answer a fragment).
func htmx(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

type errorModel struct {
	base
	Status  int
	Message string
	Field   string
}

// renderError shows err as a page (or, for htmx, a fragment) and records
// the refusal for the audit row.
func (u *UI) renderError(c echo.Context, err error) error {
	status, msg, field := statusOf(err)
	if status >= 500 {
		u.log.Error("ui: request failed", "path", c.Path(), "err", err)
		msg = "Something went wrong on the appliance; the log has the details."
	}
	server.SetResult(c, msg)
	m := errorModel{base: base{Title: http.StatusText(status), Vendor: u.vendor}, Status: status, Message: msg, Field: field}
	if r, _ := u.session(c); r != nil {
		m.base = u.pageBase(r, http.StatusText(status), "")
	}
	name := "error"
	if htmx(c) {
		name = "flash-error"
	}
	return u.render(c, status, name, &m)
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"ago":       ago,
		"clock":     func(t time.Time) string { return t.UTC().Format("15:04:05") },
		"stamp":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
		"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"dur":       fmtDuration,
		"join":      strings.Join,
		"title":     titleCase,
		"oneline":   func(s string) string { return strings.Join(strings.Fields(s), " ") },
		"destruct":  destructive,
		"label":     actionLabel,
		"tile":      func(m *machineView, now time.Time) tileModel { return tileModel{M: m, Now: now} },
		"mb":        func(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) },
		"describe":  timeline.Describe,
		"day":       day,
		"fleetRows": newFleetRows,
	}
}

// ago is a short relative time ("3m ago").
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return fmtDuration(now.Sub(t)) + " ago"
}

// fmtDuration is a compact duration: 850ms, 12s, 3m05s, 2h10m, 3d4h.
func fmtDuration(d time.Duration) string { return timeline.Short(d) }

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
