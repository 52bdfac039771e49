package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/store"
)

// auditWriteTimeout bounds writing one audit row.
const auditWriteTimeout = 5 * time.Second

// maxAuditPath bounds how much of an unmatched path an audit row keeps.
const maxAuditPath = 200

func mutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, methodLock, methodUnlock:
		return true
	}
	return false
}

// audit writes one row for every mutating request, refused ones included,
// after the answer is decided (respond runs inside it).
func (s *Server) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		// progress reports arrive every second per installing machine:
		// they are events on its timeline, not audit rows; neither is a
		// node's hourly renewal check that found nothing due (204)
		if mutating(c.Request().Method) && c.Path() != agent.PathProgress &&
			(c.Path() != kube.RenewAPIPath || c.Response().Status != http.StatusNoContent) {
			s.writeAudit(c, err)
		}
		return err
	}
}

func (s *Server) writeAudit(c echo.Context, err error) {
	a := store.Audit{
		Actor:  actorOf(c),
		Action: c.Request().Method + " " + s.auditRoute(c),
		Target: targetOf(c),
		Status: c.Response().Status,
		Result: "ok",
		Detail: "request " + requestIDOf(c),
	}
	if body, ok := c.Get(keyAPIError).(api.Error); ok {
		a.Result = body.Message
	}
	if err != nil {
		status, body := errorStatus(err)
		a.Status, a.Result = status, body.Message
	}
	// The row is written even when the client has gone away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), auditWriteTimeout)
	defer cancel()
	werr := s.db.Update(ctx, func(tx *store.Tx) error { return tx.AppendAudit(&a) })
	if werr != nil {
		s.log.Error("api: write audit row", "action", a.Action, "actor", a.Actor,
			"status", strconv.Itoa(a.Status), "request_id", requestIDOf(c), "err", werr)
	}
}

// auditRoute is the route pattern, or (for an unknown route) the
// requested path, truncated.
func (s *Server) auditRoute(c echo.Context) string {
	if p := c.Path(); s.routes[p] {
		return p
	}
	p := c.Request().URL.Path
	if len(p) > maxAuditPath {
		p = p[:maxAuditPath]
	}
	return p
}

// setTarget names the object a mutation is about, for its audit row, when
// it is not the :name or :id path parameter.
func setTarget(c echo.Context, target string) { c.Set(keyTarget, target) }

func targetOf(c echo.Context) string {
	if t, ok := c.Get(keyTarget).(string); ok {
		return t
	}
	if n := c.Param("name"); n != "" {
		return n
	}
	return c.Param("id")
}
