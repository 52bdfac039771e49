package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/inventory"
)

const siteYAML = `apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec: {interface: slipway0, subnet: 198.18.0.0/24, gateway: 198.18.0.1}
---
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: lab-bmc}
spec: {type: bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u05, labels: {rack: r1, role: worker}}
spec:
  mac: "52:54:00:77:00:05"
  network: lab
  ip: 198.18.0.105
  bmc: {address: "ipmi://198.18.0.1:6235", credentialsRef: lab-bmc}
`

func site(content string) []inventory.File {
	return []inventory.File{{Name: "site/rack1.yaml", Content: content}}
}

func (h *harness) plan(role string, req api.PlanRequest) (response, api.PlanResponse) {
	h.t.Helper()
	r := h.do(http.MethodPost, "/api/v1/inventory/plan", role, req)
	var p api.PlanResponse
	if r.status == http.StatusOK {
		r.decode(h.t, &p)
	}
	return r, p
}

func (h *harness) apply(role string, req api.ApplyRequest) (response, api.PlanResponse) {
	h.t.Helper()
	r := h.do(http.MethodPost, "/api/v1/inventory/apply", role, req)
	var p api.PlanResponse
	if r.status == http.StatusOK {
		r.decode(h.t, &p)
	}
	return r, p
}

func TestPlanAndApply(t *testing.T) {
	h := newHarness(t)
	r, plan := h.plan(auth.Operator, api.PlanRequest{Files: site(siteYAML)})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.False(t, plan.Applied)
	require.Len(t, plan.Plan.Changes, 3)
	names, _ := h.machineNames("")
	assert.Empty(t, names, "a plan writes nothing")

	r, applied := h.apply(auth.Operator, api.ApplyRequest{Files: site(siteYAML), Expect: plan.Plan.Expectations()})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.True(t, applied.Applied)
	names, _ = h.machineNames("")
	assert.Equal(t, []string{"r1-u05"}, names)

	// Idempotent: the second apply changes nothing.
	r, again := h.apply(auth.Operator, api.ApplyRequest{Files: site(siteYAML)})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Empty(t, again.Plan.Changes)

	var nets api.List[api.Object]
	h.do(http.MethodGet, "/api/v1/networks", auth.Viewer, nil).decode(t, &nets)
	require.Len(t, nets.Items, 1)
	assert.Equal(t, "lab", nets.Items[0].Name)
	var net api.Object
	h.do(http.MethodGet, "/api/v1/networks/lab", auth.Viewer, nil).decode(t, &net)
	assert.JSONEq(t, `{"interface":"slipway0","subnet":"198.18.0.0/24","gateway":"198.18.0.1"}`, string(net.Spec))
	var creds api.List[api.Credentials]
	h.do(http.MethodGet, "/api/v1/credentials", auth.Viewer, nil).decode(t, &creds)
	require.Len(t, creds.Items, 1)
	assert.True(t, creds.Items[0].Declared)
	assert.False(t, creds.Items[0].HasSecret)
}

func TestInvalidInventory(t *testing.T) {
	h := newHarness(t)
	bad := strings.Replace(siteYAML, `mac: "52:54:00:77:00:05"`, `mac: "52:54:zz"`, 1)
	bad = strings.Replace(bad, "credentialsRef:", "credentialsReff:", 1)
	for _, path := range []string{"/api/v1/inventory/plan", "/api/v1/inventory/apply"} {
		r := h.do(http.MethodPost, path, auth.Operator, api.PlanRequest{Files: site(bad)})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "body: %s", r.body)
		e := r.apiError(t)
		require.GreaterOrEqual(t, len(e.Errors), 1)
		assert.True(t, strings.HasPrefix(e.Field, "site/rack1.yaml: Machine r1-u05: spec."), e.Field)
		for _, fe := range e.Errors {
			assert.Equal(t, "site/rack1.yaml", fe.File)
			assert.NotEmpty(t, fe.Field)
		}
	}
	names, _ := h.machineNames("")
	assert.Empty(t, names)
}

// TestApplyConflict is two operators reviewing the same plan: the first
// apply wins, the second is refused with 409 naming the object.
func TestApplyConflict(t *testing.T) {
	h := newHarness(t)
	r, _ := h.apply(auth.Operator, api.ApplyRequest{Files: site(siteYAML)})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)

	changed := strings.Replace(siteYAML, "gateway: 198.18.0.1}", "gateway: 198.18.0.254}", 1)
	_, reviewed := h.plan(auth.Operator, api.PlanRequest{Files: site(changed)})
	require.Len(t, reviewed.Plan.Changes, 1)
	other := strings.Replace(siteYAML, "gateway: 198.18.0.1}", "gateway: 198.18.0.2}", 1)
	r, _ = h.apply(auth.Operator, api.ApplyRequest{Files: site(other)})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)

	r, _ = h.apply(auth.Operator, api.ApplyRequest{Files: site(changed), Expect: reviewed.Plan.Expectations()})
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	e := r.apiError(t)
	assert.Equal(t, "Network lab", e.Field)
	assert.Contains(t, e.Message, "Network lab")
}

func TestDeleteObjects(t *testing.T) {
	h := newHarness(t)
	r, _ := h.apply(auth.Operator, api.ApplyRequest{Files: site(siteYAML)})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)

	// Referenced by the machine: refused, naming it.
	r = h.do(http.MethodDelete, "/api/v1/networks/lab", auth.Operator, nil)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	assert.Equal(t, "Network lab", r.apiError(t).Field)
	assert.Contains(t, r.apiError(t).Message, "Machine r1-u05")
	r = h.do(http.MethodDelete, "/api/v1/credentials/lab-bmc", auth.Admin, nil)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)

	// A stale revision is refused.
	r = h.do(http.MethodDelete, "/api/v1/machines/r1-u05?revision=7", auth.Operator, nil)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)

	require.Equal(t, http.StatusNoContent, h.do(http.MethodDelete, "/api/v1/machines/r1-u05?revision=1", auth.Operator, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodGet, "/api/v1/machines/r1-u05", auth.Viewer, nil).status)
	require.Equal(t, http.StatusNoContent, h.do(http.MethodDelete, "/api/v1/networks/lab", auth.Operator, nil).status)

	// Credentials: the declared object and the secret go together.
	r = h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "lab-bmc", Username: "admin", Password: "pw"})
	require.Equal(t, http.StatusCreated, r.status)
	var c api.Credentials
	r.decode(t, &c)
	assert.True(t, c.Declared && c.HasSecret)
	require.Equal(t, http.StatusNoContent, h.do(http.MethodDelete, "/api/v1/credentials/lab-bmc", auth.Admin, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodGet, "/api/v1/credentials/lab-bmc", auth.Viewer, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodDelete, "/api/v1/networks/lab", auth.Operator, nil).status)
}
