package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/boot"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/journey"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

const renewSite = `apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec: {subnet: 198.18.0.0/24, interface: slipway0}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: cp1}
spec: {mac: "52:54:00:00:00:01", network: lab, ip: 198.18.0.11}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: w1}
spec: {mac: "52:54:00:00:00:02", network: lab, ip: 198.18.0.21}
---
apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: edge-1}
spec: {kubernetesVersion: v1.37.2, controlPlane: {machines: [cp1]}, workers: {machines: [w1]}}
`

// renewHarness serves the agent routes (journey) and the cluster actions
// (fleet) of edge-1, whose cp1 is joining and w1 failed, each seeded and
// holding the renew token it returns.
func renewHarness(t *testing.T) (*harness, map[string]string) {
	t.Helper()
	db := openStore(t)
	kr, err := secret.New(testKey())
	require.NoError(t, err)
	ctrl, err := fleet.New(fleet.Config{Keys: kr, ArtifactsDir: fakeArtifacts(t)}, db, nil)
	require.NoError(t, err)
	svc, err := journey.New(journey.Config{Clusters: ctrl}, db, nil)
	require.NoError(t, err)
	h := newHarnessOn(t, db, harnessOpts{opts: []Option{WithAgent(svc), WithClusters(ctrl)}})
	_, err = inventory.Apply(context.Background(), db, []inventory.File{{Name: "site.yaml", Content: renewSite}},
		inventory.ApplyOptions{Actor: "test"})
	require.NoError(t, err)
	tokens := map[string]string{"cp1": journey.RenewPrefix + "cp1-token", "w1": journey.RenewPrefix + "w1-token"}
	require.NoError(t, db.Update(context.Background(), func(tx *store.Tx) error {
		for name, tok := range tokens {
			if _, err := ctrl.NodeSeed(tx, name, "edge-1"); err != nil {
				return err
			}
			triggers := []machine.Trigger{machine.Provision, machine.Installed, machine.BootDisk, machine.PhonedHome}
			if name == "w1" {
				triggers = append(triggers, machine.Fail)
			}
			for _, trig := range triggers {
				if _, err := machine.Transition(tx, name, trig, machine.Cause{Reason: "test", Message: "test", Actor: "test"}); err != nil {
					return err
				}
			}
			s := store.AgentSession{Hash: boot.HashToken(tok), Machine: name, Kind: store.AgentSessionRenew, ExpiresAt: tx.Now().Add(time.Hour)}
			if err := tx.CreateAgentSession(&s); err != nil {
				return err
			}
		}
		return nil
	}))
	return h, tokens
}

func TestAgentRenewRoute(t *testing.T) {
	h, tokens := renewHarness(t)
	for _, tt := range []struct {
		name, auth string
		body       any
		status     int
		field      string
	}{
		{"no token", "", fleet.RenewRequest{}, http.StatusUnauthorized, ""},
		{"an agent session", "Bearer slwa_x", fleet.RenewRequest{}, http.StatusUnauthorized, "Authorization"},
		{"forged", "Bearer " + journey.RenewPrefix + "forged", fleet.RenewRequest{}, http.StatusUnauthorized, "Authorization"},
		{"an API token", auth.Admin, fleet.RenewRequest{}, http.StatusUnauthorized, "Authorization"},
		{"failed machine", "Bearer " + tokens["w1"], fleet.RenewRequest{}, http.StatusForbidden, "machine"},
		{"unknown field", "Bearer " + tokens["cp1"], `{"serial":0,"root":true}`, http.StatusBadRequest, "root"},
		{"nothing due", "Bearer " + tokens["cp1"], fleet.RenewRequest{}, http.StatusNoContent, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(http.MethodPost, kube.RenewAPIPath, tt.auth, tt.body)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.field != "" {
				assert.Equal(t, tt.field, r.apiError(t).Field)
			}
		})
	}

	r := h.do(http.MethodPost, kube.RenewAPIPath, "Bearer "+tokens["cp1"], fleet.RenewRequest{Serial: 4})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var got fleet.Renewal
	r.decode(t, &got)
	assert.Equal(t, 5, got.Serial)
	assert.Contains(t, got.Restart, "kube-apiserver.service")
	require.NotEmpty(t, got.Files)
	assert.Equal(t, kube.RenewSerialFile, got.Files[len(got.Files)-1].Path)
	assert.Equal(t, "5\n", string(got.Files[len(got.Files)-1].Data), "data travels as base64 and decodes")

	rows := audit(t, h)
	var renewals []store.Audit
	for _, a := range rows {
		if a.Action == "POST "+kube.RenewAPIPath {
			renewals = append(renewals, a)
		}
		for _, tok := range []string{tokens["cp1"], tokens["w1"], "forged"} {
			assert.NotContains(t, a.Result+a.Detail+a.Target, tok, "no token in an audit row")
		}
	}
	require.Len(t, renewals, 7, "every call but the 204 is an audit row")
	last := renewals[len(renewals)-1]
	assert.Equal(t, "cp1", last.Target)
	assert.Equal(t, "agent", last.Actor)
	assert.Contains(t, last.Result, "certificates of cp1 renewed (set 5")
	for _, tok := range tokens {
		assert.NotContains(t, h.logs.String(), tok, "a renew token is never logged")
	}
}

func TestRenewClusterRoute(t *testing.T) {
	h, tokens := renewHarness(t)
	r := h.do(http.MethodPost, "/api/v1/clusters/edge-1/renew", auth.Viewer, nil)
	assert.Equal(t, http.StatusForbidden, r.status, "an operator's action")
	r = h.do(http.MethodPost, "/api/v1/clusters/ghost/renew", auth.Operator, nil)
	assert.Equal(t, http.StatusNotFound, r.status, "%s", r.body)

	r = h.do(http.MethodPost, "/api/v1/clusters/edge-1/renew", auth.Operator, nil)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var resp api.RenewResponse
	r.decode(t, &resp)
	assert.Equal(t, "edge-1", resp.Cluster)
	assert.WithinDuration(t, time.Now(), resp.RequestedAt, time.Minute)

	r = h.do(http.MethodPost, kube.RenewAPIPath, "Bearer "+tokens["cp1"], fleet.RenewRequest{})
	require.Equal(t, http.StatusOK, r.status, "requested: the node's next check renews")
	r = h.do(http.MethodPost, kube.RenewAPIPath, "Bearer "+tokens["cp1"], fleet.RenewRequest{Serial: 1})
	require.Equal(t, http.StatusNoContent, r.status, "once")

	var found bool
	for _, a := range audit(t, h) {
		if a.Action == "POST /api/v1/clusters/:name/renew" && a.Status == http.StatusAccepted {
			found = true
			assert.Equal(t, "edge-1", a.Target)
			assert.True(t, strings.HasPrefix(a.Result, "renewal of cluster edge-1"), a.Result)
		}
	}
	assert.True(t, found, "the request is audited")
}

func audit(t *testing.T, h *harness) []store.Audit {
	t.Helper()
	var rows []store.Audit
	require.NoError(t, h.db.View(context.Background(), func(tx *store.Tx) (err error) {
		rows, err = tx.ListAudit(store.AuditFilter{})
		return err
	}))
	return rows
}
