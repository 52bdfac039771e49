package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
)

// readyTimeout bounds the store ping behind /readyz.
const readyTimeout = 2 * time.Second

func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// readyz answers 200 when the store answers, else 503.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("api: not ready: store does not answer", "err", err)
		return &httpError{status: http.StatusServiceUnavailable, body: api.Error{Message: "store unavailable"}}
	}
	return c.String(http.StatusOK, "ok")
}

func (s *Server) version(c echo.Context) error {
	v := s.cfg.Version
	if v.Store == "" {
		v.Store = s.db.Driver()
	}
	return writeJSON(c, http.StatusOK, v)
}

func (s *Server) whoami(c echo.Context) error {
	id, _ := c.Get(keyIdentity).(*identity)
	if id == nil { // authorize always sets it; defensive
		return echo.ErrUnauthorized
	}
	return writeJSON(c, http.StatusOK, api.Whoami{Actor: id.Actor, Role: id.Role})
}
