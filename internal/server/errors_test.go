package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

func TestErrorStatus(t *testing.T) {
	list := inventory.ErrorList{
		{File: "site/rack1.yaml", Kind: inventory.KindMachine, Name: "r1-u07", Field: "spec.mac", Message: "not a MAC address"},
		{File: "site/rack1.yaml", Kind: inventory.KindMachine, Name: "r1-u08", Field: "spec.bmc.adress", Message: "unknown field", Line: 9},
	}
	tests := []struct {
		name   string
		err    error
		status int
		want   api.Error
	}{
		{"not found", fmt.Errorf("machine x: %w", store.ErrNotFound), http.StatusNotFound,
			api.Error{Message: "machine x: not found"}},
		{"store conflict", fmt.Errorf("Machine r1: revision 3, expected 2: %w", store.ErrConflict), http.StatusConflict,
			api.Error{Message: "Machine r1: revision 3, expected 2: conflict"}},
		{"plan conflict", fmt.Errorf("apply: %w", &inventory.ConflictError{Key: inventory.Key{Kind: inventory.KindMachine, Name: "r1-u07"}, Expected: 2, Actual: 3}),
			http.StatusConflict, api.Error{
				Message: "apply: Machine r1-u07: changed since the plan was made (revision 2, now 3); review the new plan and apply again",
				Field:   "Machine r1-u07"}},
		{"transition", fmt.Errorf("machine x: %w", machine.ErrTransition), http.StatusConflict,
			api.Error{Message: "machine x: transition not allowed"}},
		{"invalid inventory", fmt.Errorf("apply: %w", list), http.StatusUnprocessableEntity, api.Error{
			Message: "not a MAC address (and 1 more problems)",
			Field:   "site/rack1.yaml: Machine r1-u07: spec.mac",
			Errors:  []inventory.FieldError{*list[0], *list[1]}}},
		{"body too large", &http.MaxBytesError{Limit: 10}, http.StatusRequestEntityTooLarge,
			api.Error{Message: "request body exceeds the limit of 10 bytes", Field: "body"}},
		{"echo", echo.ErrMethodNotAllowed, http.StatusMethodNotAllowed, api.Error{Message: "method not allowed"}},
		{"unexpected", errors.New("disk on fire at /var/lib/secret"), http.StatusInternalServerError,
			api.Error{Message: "internal server error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := errorStatus(tt.err)
			assert.Equal(t, tt.status, status)
			if d := cmp.Diff(tt.want, body); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: Config{MaxBodyBytes: 1024}})
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})
	big := `{"name":"x","role":"viewer","ttl":"` + strings.Repeat("9", 2000) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
		msg                      string
	}{
		{"truncated", "POST", "/api/v1/tokens", `{"name": "x"`, 400, "body", "offset 12"},
		{"syntax", "POST", "/api/v1/tokens", `{"name" 1}`, 400, "body", "offset 9"},
		{"unknown field", "POST", "/api/v1/tokens", `{"name":"x","role":"viewer","colour":"red"}`, 400, "colour", "unknown field"},
		{"type mismatch", "POST", "/api/v1/tokens", `{"name":5}`, 400, "name", "expected string"},
		{"nested type mismatch", "POST", "/api/v1/machines/r1-u01/actions", `{"action":"bootdev","params":{"device":1}}`, 400, "params", "expected string"},
		{"trailing data", "POST", "/api/v1/tokens", `{"name":"x","role":"viewer"} {}`, 400, "body", "after the JSON value"},
		{"empty body", "POST", "/api/v1/tokens", ``, 400, "body", "empty"},
		{"too large", "POST", "/api/v1/tokens", big, 413, "body", "1024 bytes"},
		{"unknown action", "POST", "/api/v1/machines/r1-u01/actions", `{"action":"explode"}`, 400, "action", "unknown action"},
		{"bootdev without device", "POST", "/api/v1/machines/r1-u01/actions", `{"action":"bootdev"}`, 400, "params.device", "device"},
		{"bad limit", "GET", "/api/v1/events?limit=0", ``, 400, "limit", "1 to"},
		{"bad after", "GET", "/api/v1/events?after=-3", ``, 400, "after", "non-negative"},
		{"bad follow", "GET", "/api/v1/events?follow=perhaps", ``, 400, "follow", "true or false"},
		{"bad state", "GET", "/api/v1/machines?state=sleeping", ``, 400, "state", "unknown state"},
		{"bad label", "GET", "/api/v1/machines?label=rack", ``, 400, "label", "key=value"},
		{"bad revision", "DELETE", "/api/v1/networks/lab?revision=x", ``, 400, "revision", "positive"},
		{"unknown machine", "GET", "/api/v1/machines/nope", ``, 404, "", "not found"},
		{"unknown machine action", "POST", "/api/v1/machines/nope/actions", `{"action":"inspect"}`, 404, "", "not found"},
		{"unknown machine power", "POST", "/api/v1/machines/nope/actions", `{"action":"power-on"}`, 404, "", "not found"},
		{"unknown operation", "GET", "/api/v1/operations/op_x", ``, 404, "", "not found"},
		{"unknown network", "GET", "/api/v1/networks/nope", ``, 404, "", "not found"},
		{"unknown credentials", "GET", "/api/v1/credentials/nope", ``, 404, "", "not found"},
		{"refused transition", "POST", "/api/v1/machines/r1-u01/actions", `{"action":"reset"}`, 409, "", "reset is not possible while registered"},
		{"unknown route", "GET", "/api/v1/nothing", ``, 404, "", "not found"},
		{"unknown route unauthenticated", "GET", "/nothing", ``, 404, "", "not found"},
		{"wrong method", "PUT", "/api/v1/machines", `{}`, 405, "", "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, auth.Admin, tt.body)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			e := r.apiError(t)
			assert.Equal(t, tt.field, e.Field)
			assert.Contains(t, e.Message, tt.msg)
		})
	}
}

// TestBodyLimitStreaming checks the limit holds for a body without a
// Content-Length (chunked), where only reading finds it too large.
func TestBodyLimitStreaming(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: Config{MaxBodyBytes: 1024}})
	body := `{"name":"x","role":"viewer","ttl":"` + strings.Repeat("9", 4096) + `"}`
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, h.url+"/api/v1/tokens",
		io.MultiReader(strings.NewReader(body))) // not a *strings.Reader: no length known
	require.NoError(t, err)
	require.EqualValues(t, 0, req.ContentLength)
	h.authorize(req, auth.Admin)
	resp, err := h.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "body: %s", data)
	assert.Contains(t, string(data), "1024 bytes")
}

func TestPanicRecovered(t *testing.T) {
	h := newHarness(t)
	h.srv.echo.GET("/panic", func(echo.Context) error { panic("boom") })
	for range 2 { // the server carries on after the first
		r := h.do(http.MethodGet, "/panic", "", nil)
		require.Equal(t, http.StatusInternalServerError, r.status)
		assert.Equal(t, api.Error{Message: "internal server error"}, r.apiError(t))
	}
	assert.Contains(t, h.logs.String(), "panic in handler")
	assert.Contains(t, h.logs.String(), "boom")
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/healthz", "", nil).status)
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/api/v1/version", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
	assert.Equal(t, apiCSP, r.header.Get("Content-Security-Policy"))
	assert.Empty(t, r.header.Get("Strict-Transport-Security"), "no HSTS over plain HTTP")
	assert.Len(t, r.header.Get("X-Request-Id"), 16)

	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, h.url+"/healthz", nil)
	require.NoError(t, err)
	req.Header.Set("X-Request-Id", "trace-42")
	resp, err := h.client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "trace-42", resp.Header.Get("X-Request-Id"))
}
