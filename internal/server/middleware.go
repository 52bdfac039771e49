package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Keys of the values middleware leaves on the echo context.
const (
	keyRequestID = "slipway.requestID"
	keyIdentity  = "slipway.identity" // *identity, set by authorize
	keyAPIError  = "slipway.apiError" // api.Error answered, set by respond
	keyTarget    = "slipway.target"   // audit target a handler names
)

const (
	headerRequestID = "X-Request-Id"
	// apiCSP forbids everything: API responses are data, never documents.
	apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	hsts   = "max-age=31536000"
)

// requestID takes a sane X-Request-Id from the client or makes one, and
// echoes it on the response.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(headerRequestID)
		if !validRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(keyRequestID, id)
		c.Response().Header().Set(headerRequestID, id)
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		ok := r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", hsts)
		}
		return next(c)
	}
}

// routeLabel is the route pattern for metrics and audit: the registered
// pattern, or "unmatched" so unknown paths cannot grow the label set.
func (s *Server) routeLabel(c echo.Context) string {
	if p := c.Path(); s.routes[p] {
		return p
	}
	return "unmatched"
}

// observe records the request duration histogram and logs the request
// (never its body).
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil { // respond answers nearly everything; this is the rest
			c.Error(err)
		}
		d := time.Since(start)
		status := c.Response().Status
		route := s.routeLabel(c)
		s.metrics.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(d.Seconds())
		s.log.Debug("api request", "method", c.Request().Method, "route", route, "status", status,
			"duration", d, "request_id", requestIDOf(c), "actor", actorOf(c))
		return nil
	}
}

// respond turns a handler's error into its JSON answer (and remembers it
// for the audit row). 5xx causes are logged; the client only learns the status.
func (s *Server) respond(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil {
			return nil
		}
		status, body := errorStatus(err)
		c.Set(keyAPIError, body)
		if status >= 500 {
			s.log.Error("api: request failed", "method", c.Request().Method, "route", s.routeLabel(c),
				"request_id", requestIDOf(c), "err", err)
		}
		if c.Response().Committed {
			return nil
		}
		return writeJSON(c, status, body)
	}
}

// errPanic is what a recovered panic answers (500; the panic is logged).
var errPanic = errors.New("handler panicked")

// recover turns a handler panic into a logged 500; the process carries on.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("api: panic in handler", "route", s.routeLabel(c), "request_id", requestIDOf(c),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = errPanic
		}()
		return next(c)
	}
}

// limitBody refuses bodies over MaxBodyBytes: at once when Content-Length
// says so, otherwise when reading passes the limit (the decoder reports it).
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, limit := c.Request(), s.bodyLimit(c)
		if req.ContentLength > limit {
			return &httpError{status: http.StatusRequestEntityTooLarge, body: bodyTooLarge(limit)}
		}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		}
		return next(c)
	}
}
