package server

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
)

// Pages is a user interface served by the API's own echo server (the web UI
// at /): its routes run behind the same global middleware (request IDs,
// metrics, audit rows for every mutation, panic recovery, body limits).
// Pages authenticate their own callers and name them with SetActor; they
// act through Act, so the UI and the API share one code path.
type Pages interface {
	Mount(e *echo.Echo, s *Server)
}

// Mount adds p's routes beside the API's (call it before Run) and makes
// their patterns known to the metrics and audit labels.
func (s *Server) Mount(p Pages) {
	p.Mount(s.echo, s)
	for _, r := range s.echo.Routes() {
		s.routes[r.Path] = true
	}
}

// SetActor names the caller of a request that pages authenticated (a UI
// session: actor "user:<name>") for its audit row.
func SetActor(c echo.Context, actor, role string) {
	c.Set(keyIdentity, &identity{Actor: actor, Role: role})
}

// Actor returns the caller's audit name (anonymous when unauthenticated).
func Actor(c echo.Context) string { return actorOf(c) }

// ErrorStatus maps err to the HTTP status and message the API answers for it.
func ErrorStatus(err error) (int, api.Error) { return errorStatus(err) }

// Context is the server's lifetime: it is cancelled when the server starts
// to shut down, and long-lived responses (event streams) end then.
func (s *Server) Context() context.Context { return s.life }

// SetTarget names the object a page's mutation is about, for its audit row.
func SetTarget(c echo.Context, target string) { setTarget(c, target) }

// SetResult records why a page refused a mutation, for its audit row (the
// page answers with HTML, so the API's error body is not there to say it).
func SetResult(c echo.Context, msg string) { c.Set(keyAPIError, api.Error{Message: msg}) }
