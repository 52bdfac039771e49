// Package ui is Slipway's rack-side web UI: server-rendered html/template
// pages (rack view, machines table, machine detail with its boot timeline,
// inventory plan review, images, clusters, fleet, events, audit) with htmx and
// server-sent events for live updates. It is mounted on the API server's
// echo instance (Server.Mount), reads the store directly and acts
// through server.Act, so pages and API share one code path, one set of role
// checks and one audit log. Users sign in with local passwords (bcrypt);
// sessions are cookies whose SHA-256 is stored, with a CSRF token each.
package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/timeline"
)

// Defaults.
const (
	// SessionTTL is how long a sign-in lasts.
	SessionTTL = 12 * time.Hour
	// StuckAfter is how long a machine in a transient state may go without
	// an event before its timeline says it looks stuck.
	StuckAfter = timeline.StuckAfter
	// Heartbeat is how often an idle event stream sends a comment.
	Heartbeat = 15 * time.Second
)

// Actor acts on machines as the API does (server.Server implements it).
type Actor interface {
	Act(ctx context.Context, actor, name string, req api.ActionRequest) (api.OperationRef, error)
}

// UI is the web UI. Build it with New and mount it with Server.Mount.
type UI struct {
	db        *store.DB
	log       *slog.Logger
	tmpl      *templates
	hub       *hub
	act       Actor
	life      context.Context
	now       func() time.Time
	heartbeat time.Duration
	vendor    bool // htmx is embedded (make web ran)
	uploads   ImageUploads
	throttle  *throttle // failed sign-ins
}

// Option changes how the UI is built.
type Option func(*UI)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(u *UI) { u.now = now } }

// WithHeartbeat changes the event stream heartbeat (tests).
func WithHeartbeat(d time.Duration) Option { return func(u *UI) { u.heartbeat = d } }

// New builds the UI on db; log may be nil.
func New(db *store.DB, log *slog.Logger, opts ...Option) (*UI, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	t, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	u := &UI{db: db, log: log, tmpl: t, now: time.Now, heartbeat: Heartbeat, vendor: vendored(),
		life: context.Background(), throttle: newThrottle()}
	for _, o := range opts {
		o(u)
	}
	u.hub = newHub(db, log)
	return u, nil
}

// Run follows the store for the live pages until ctx ends.
func (u *UI) Run(ctx context.Context) error { return u.hub.run(ctx) }

// Mount adds the pages to e (server.Pages).
func (u *UI) Mount(e *echo.Echo, s *server.Server) {
	u.act, u.life = s, s.Context()
	e.Pre(u.keepUploadBody)
	u.routes(e)
}

// routes is every page, with the role it needs ("" for none).
func (u *UI) routes(e *echo.Echo) {
	get, post := http.MethodGet, http.MethodPost
	e.GET("/static/*", u.static)
	e.GET("/login", u.page(u.loginPage))
	e.POST("/login", u.page(u.login))
	pages := []pageRoute{
		{post, "/logout", auth.Viewer, u.logout},
		{get, "/", auth.Viewer, u.rackPage},
		{get, "/machines", auth.Viewer, u.machinesPage},
		{post, "/machines/bulk", auth.Operator, u.bulk},
		{get, "/machines/:name", auth.Viewer, u.detailPage},
		{post, "/machines/:name/actions", auth.Operator, u.action},
		{get, "/inventory", auth.Operator, u.inventoryPage},
		{post, "/inventory/plan", auth.Operator, u.plan},
		{post, "/inventory/apply", auth.Operator, u.apply},
		{get, "/images", auth.Viewer, u.imagesPage},
		{get, "/clusters", auth.Viewer, u.clustersPage},
		{get, "/fleet", auth.Viewer, u.fleetPage},
		{get, "/events", auth.Viewer, u.eventsPage},
		{get, "/audit", auth.Admin, u.auditPage},
		{get, "/ui/stream", auth.Viewer, u.stream},
	}
	if u.uploads.Images != nil {
		pages = append(pages, pageRoute{post, uploadRoute, auth.Operator, u.uploadImage})
	}
	for _, p := range pages {
		e.Add(p.method, p.path, u.page(u.signedIn(p.role, p.h)))
	}
}

// pageRoute is a page: its method, path, the role it needs and its handler.
type pageRoute struct {
	method, path, role string
	h                  handler
}

// handler is a page handler: it renders its answer, or returns an error
// that page renders as an error page.
type handler func(c echo.Context, r *request) error

// request is what a page knows about its caller.
type request struct {
	user    string
	role    string
	csrf    string
	session []byte // hash
}

// actor is the name operations, events and audit rows carry.
func (r *request) actor() string { return "user:" + r.user }

// can reports whether the caller has role need.
func (r *request) can(need string) bool { return r != nil && auth.Allows(r.role, need) }
