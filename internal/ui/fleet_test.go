package ui_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/ui"
)

// fleetYAML adds the fleet edge (listing edge-1) to siteYAML.
const fleetYAML = `---
apiVersion: slipway.dev/v1alpha1
kind: Fleet
metadata: {name: edge}
spec: {description: Edge sites, clusters: [edge-1]}
`

// putStatus records status as the cluster controller would.
func (h *harness) putStatus(name string, st fleet.Status) {
	h.t.Helper()
	b, err := json.Marshal(st)
	require.NoError(h.t, err)
	require.NoError(h.t, h.db.Update(h.t.Context(), func(tx *store.Tx) error {
		return tx.PutClusterRecord(&store.ClusterRecord{Name: name, Status: b})
	}))
}

var stuckStatus = fleet.Status{Phase: fleet.PhaseStuck, Message: "control-plane r1-u01 failed: in install: sha256 mismatch",
	Since: fixedNow.Add(-25 * time.Minute), Version: "v1.37.2", Endpoint: "198.18.0.101:6443",
	API: fleet.APIStatus{Error: "dial tcp 198.18.0.101:6443: connection refused"}, NodesReady: 1, NodesTotal: 3,
	Versions: []string{"v1.37.2"}, CertsExpire: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Expiring: []string{"node/r1-u02"},
	Heartbeat: fixedNow.Add(-10 * time.Minute),
	Stuck: &fleet.Stuck{Phase: fleet.PhaseProvisioning, Machine: "r1-u01", Reason: "control-plane r1-u01 failed: in install: sha256 mismatch",
		Since: fixedNow.Add(-25 * time.Minute)}}

// TestClusterHealthPages: the clusters page shows each cluster's health
// and the fleet page groups it by fleet (golden testdata/fleet.html).
func TestClusterHealthPages(t *testing.T) {
	h := newHarness(t, ui.WithClock(func() time.Time { return fixedNow }))
	h.apply(siteYAML(3))
	v := h.signIn("viewer")

	_, body := v.get("/fleet")
	assert.Contains(t, body, `<h2 id="fh-none">In no fleet</h2>`)
	assert.Contains(t, body, `<span class="badge ph-pending">pending</span>`, "a cluster without a record is pending")
	assert.Contains(t, body, `<a href="/fleet" aria-current="page">Fleet</a>`)

	h.apply(siteYAML(3) + fleetYAML)
	h.putStatus("edge-1", stuckStatus)
	res, body := v.get("/clusters")
	require.Equal(t, http.StatusOK, res.StatusCode)
	for _, want := range []string{
		`<span class="badge ph-stuck">stuck</span>`, "fleet edge", "<dd>1/3</dd>", `<span class="res bad">down</span>`,
		"connection refused", "<dd>v1.37.2</dd>", "2026-04-01", "soon: node/r1-u02",
		"<strong>Stuck</strong> in provisioning on r1-u01", "sha256 mismatch",
	} {
		assert.Contains(t, body, want)
	}

	res, body = v.get("/fleet")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, body, "In no fleet")
	golden(t, "fleet", mainOf(t, body))
}
