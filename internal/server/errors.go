package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// httpError is an error with the status and body to answer with. Handlers
// return it for request problems they detect themselves.
type httpError struct {
	status int
	body   api.Error
}

func (e *httpError) Error() string { return e.body.Error() }

// badRequest is a 400 naming the offending field.
func badRequest(field, format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, body: api.Error{Message: fmt.Sprintf(format, args...), Field: field}}
}

// errorStatus maps err to its status and body: the contract's mapping,
// with anything unexpected a 500 that says nothing about the cause (the
// cause is logged).
func errorStatus(err error) (int, api.Error) {
	var (
		he       *httpError
		ee       *echo.HTTPError
		conflict *inventory.ConflictError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &he):
		return he.status, he.body
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, bodyTooLarge(tooLarge.Limit)
	case errors.As(err, &conflict):
		return http.StatusConflict, api.Error{Message: err.Error(), Field: conflict.Key.String()}
	}
	if l, ok := inventory.AsErrorList(err); ok && len(l) > 0 {
		return http.StatusUnprocessableEntity, inventoryError(l)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, api.Error{Message: err.Error()}
	case errors.Is(err, store.ErrConflict), errors.Is(err, machine.ErrTransition):
		return http.StatusConflict, api.Error{Message: err.Error()}
	case errors.As(err, &ee):
		return ee.Code, api.Error{Message: strings.ToLower(http.StatusText(ee.Code))}
	}
	return http.StatusInternalServerError, api.Error{Message: "internal server error"}
}

func bodyTooLarge(limit int64) api.Error {
	return api.Error{Message: fmt.Sprintf("request body exceeds the limit of %d bytes", limit), Field: "body"}
}

// inventoryError is the 422 body: the first problem as error/field, and all.
func inventoryError(l inventory.ErrorList) api.Error {
	first := l[0]
	var loc []string
	if first.File != "" {
		loc = append(loc, first.File)
	}
	if obj := strings.TrimSpace(string(first.Kind) + " " + first.Name); obj != "" {
		loc = append(loc, obj)
	}
	if first.Field != "" {
		loc = append(loc, first.Field)
	}
	msg := first.Message
	if len(l) > 1 {
		msg = fmt.Sprintf("%s (and %d more problems)", msg, len(l)-1)
	}
	all := make([]inventory.FieldError, len(l))
	for i, e := range l {
		all[i] = *e
	}
	return api.Error{Message: msg, Field: strings.Join(loc, ": "), Errors: all}
}

// handleError is echo's error handler: the last resort for errors that
// no middleware answered (respond answers nearly all of them).
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := errorStatus(err)
	if status >= 500 {
		s.log.Error("api: request failed", "method", c.Request().Method, "path", c.Request().URL.Path,
			"request_id", requestIDOf(c), "err", err)
	}
	if werr := writeJSON(c, status, body); werr != nil {
		s.log.Debug("api: write error response", "err", werr)
	}
}

// writeJSON encodes v straight to the response.
func writeJSON(c echo.Context, status int, v any) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	if err := json.NewEncoder(c.Response()).Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return nil
}

// decodeJSON reads the request body into v strictly: unknown fields,
// trailing data, type mismatches and syntax errors are 400s naming the
// field or byte offset; a body over the limit is a 413.
func decodeJSON(c echo.Context, v any) error {
	body := &countingReader{r: c.Request().Body}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body.n)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("body", "unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	return nil
}

// countingReader counts the bytes read, to say where a body ended.
type countingReader struct {
	r io.Reader
	n int64
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n += int64(n)
	return n, err
}

func jsonError(err error, offset int64) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("body", "request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body", "malformed JSON: unexpected end of input at offset %d", offset)
	case errors.As(err, &syntax):
		return badRequest("body", "malformed JSON at offset %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return badRequest(field, "expected %s, got JSON %s (offset %d)", typ.Type, typ.Value, typ.Offset)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return badRequest(strings.Trim(name, `"`), "unknown field")
	}
	return badRequest("body", "invalid JSON: %s", err.Error())
}

// wrapf adds context to err.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}
