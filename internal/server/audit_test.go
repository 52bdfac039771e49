package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

func (h *harness) audit() []store.Audit {
	h.t.Helper()
	r := h.do(http.MethodGet, "/api/v1/audit", auth.Admin, nil)
	require.Equal(h.t, http.StatusOK, r.status, "body: %s", r.body)
	var l api.List[store.Audit]
	r.decode(h.t, &l)
	return l.Items
}

func TestAuditRows(t *testing.T) {
	h := newHarness(t)
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})

	h.do(http.MethodGet, "/api/v1/machines", auth.Viewer, nil) // reads are not audited
	h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "r1-bmc", Username: "root", Password: "calvin"})
	h.do(http.MethodPost, "/api/v1/tokens", "", api.TokenRequest{Name: "x", Role: auth.Admin})
	h.do(http.MethodPost, "/api/v1/machines/r1-u01/actions", auth.Viewer, api.ActionRequest{Action: "inspect"})
	h.do(http.MethodPost, "/api/v1/machines/r1-u01/actions", auth.Operator, api.ActionRequest{Action: "reset"})
	h.do(http.MethodPost, "/api/v1/machines/r1-u01/actions", auth.Operator, api.ActionRequest{Action: "inspect"})
	h.do(http.MethodDelete, "/api/v1/tokens/nope", auth.Admin, nil)
	h.do(http.MethodPost, "/api/v1/tokens", auth.Admin, `{"name":`)
	h.do(http.MethodPost, "/api/v1/no/such/route", "", nil)

	want := []store.Audit{
		{Actor: "token:admin", Action: "POST /api/v1/credentials", Target: "r1-bmc", Result: "ok", Status: 201},
		{Actor: "anonymous", Action: "POST /api/v1/tokens", Result: "a bearer token is required (Authorization: Bearer slw_...)", Status: 401},
		{Actor: "token:viewer", Action: "POST /api/v1/machines/:name/actions", Target: "r1-u01",
			Result: "token:viewer has role viewer; this needs role operator", Status: 403},
		{Actor: "token:operator", Action: "POST /api/v1/machines/:name/actions", Target: "r1-u01",
			Result: "machine r1-u01: reset is not possible while registered (possible: inspect, provision, maintenance-on): transition not allowed", Status: 409},
		{Actor: "token:operator", Action: "POST /api/v1/machines/:name/actions", Target: "r1-u01", Result: "ok", Status: 202},
		{Actor: "token:admin", Action: "DELETE /api/v1/tokens/:id", Target: "nope", Result: "token nope: not found", Status: 404},
		{Actor: "token:admin", Action: "POST /api/v1/tokens", Result: "malformed JSON: unexpected end of input at offset 8", Status: 400},
		{Actor: "anonymous", Action: "POST /api/v1/no/such/route", Result: "not found", Status: 404},
	}
	got := h.audit()
	opts := cmpopts.IgnoreFields(store.Audit{}, "ID", "Time", "Detail")
	if d := cmp.Diff(want, got, opts); d != "" {
		t.Errorf("audit rows (-want +got):\n%s", d)
	}
	for _, a := range got {
		assert.True(t, strings.HasPrefix(a.Detail, "request "), a.Detail)
		assert.False(t, a.Time.IsZero())
	}

	// Filters and paging.
	var anon, first, rest api.List[store.Audit]
	h.do(http.MethodGet, "/api/v1/audit?actor=anonymous", auth.Admin, nil).decode(t, &anon)
	assert.Len(t, anon.Items, 2)
	h.do(http.MethodGet, "/api/v1/audit?limit=3", auth.Admin, nil).decode(t, &first)
	require.Len(t, first.Items, 3)
	require.NotEmpty(t, first.Continue)
	h.do(http.MethodGet, "/api/v1/audit?limit=10&after="+first.Continue, auth.Admin, nil).decode(t, &rest)
	assert.Len(t, rest.Items, len(want)-3)
	assert.Empty(t, rest.Continue)
}
