package server

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"github.com/slipway-dev/slipway/internal/kube/kubetest"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// fakeArtifacts is a fake artifacts cache supporting v1.37.2 only.
func fakeArtifacts(t *testing.T) string { return kubetest.FakeArtifacts(t, "v1.37.2") }

// clusterHarness is a server with the real cluster controller and:
// cluster edge-1 (control plane cp1, in fleet edge, no record yet), lab
// (recorded as stuck, in no fleet) and broken (refused: its machine has no
// address); fleet edge also lists the undeclared cluster ghost.
func clusterHarness(t *testing.T) *harness {
	t.Helper()
	db := openStore(t)
	kr, err := secret.New(testKey())
	require.NoError(t, err)
	ctrl, err := fleet.New(fleet.Config{Keys: kr, ArtifactsDir: fakeArtifacts(t)}, db, nil)
	require.NoError(t, err)
	h := newHarnessOn(t, db, harnessOpts{opts: []Option{WithClusters(ctrl)}})
	objs := []store.Object{
		{Kind: "Machine", Name: "cp1", Spec: json.RawMessage(`{"mac":"52:54:00:00:00:01","ip":"198.18.0.11"}`)},
		{Kind: "Machine", Name: "cp2", Spec: json.RawMessage(`{"mac":"52:54:00:00:00:02"}`)},
		{Kind: "Cluster", Name: "edge-1", Spec: json.RawMessage(`{"kubernetesVersion":"v1.37.2","controlPlane":{"machines":["cp1"]},"fleet":"edge"}`)},
		{Kind: "Cluster", Name: "lab", Spec: json.RawMessage(`{"kubernetesVersion":"v1.37.2","controlPlane":{"machines":["cp1"]}}`)},
		{Kind: "Cluster", Name: "broken", Spec: json.RawMessage(`{"kubernetesVersion":"v1.37.2","controlPlane":{"machines":["cp2"]}}`)},
		{Kind: "Fleet", Name: "edge", Spec: json.RawMessage(`{"description":"Edge sites","clusters":["edge-1","ghost"]}`)},
	}
	require.NoError(t, db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range objs {
			if err := tx.CreateObject(&objs[i]); err != nil {
				return err
			}
		}
		st, err := json.Marshal(labStatus)
		if err != nil {
			return err
		}
		return tx.PutClusterRecord(&store.ClusterRecord{Name: "lab", Status: st})
	}))
	return h
}

var labStatus = fleet.Status{Phase: fleet.PhaseStuck, Message: "waiting for cp1", Since: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
	Version: "v1.37.2", Endpoint: "198.18.0.11:6443", API: fleet.APIStatus{Error: "connection refused"}, NodesTotal: 1,
	Nodes:       []fleet.NodeStatus{{Name: "cp1", Role: "control-plane", Machine: "booting", PodCIDR: "10.244.0.0/24"}},
	CertsExpire: time.Date(2036, 3, 14, 9, 0, 0, 0, time.UTC), Expiring: []string{"fleet/edge"},
	Stuck: &fleet.Stuck{Phase: fleet.PhaseProvisioning, Machine: "cp1", Reason: "cp1 has been booting for 25m", Since: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}}

// TestClusterStatusJSON: the API's status is fleet.Status's JSON, field for field.
func TestClusterStatusJSON(t *testing.T) {
	st := labStatus
	st.Fleets, st.Versions, st.Heartbeat, st.CheckedAt = []string{"edge"}, []string{"v1.37.2"}, st.Since, st.Since
	st.NodesReady, st.Nodes[0].Registered, st.Nodes[0].Ready, st.Nodes[0].Version = 1, true, true, "v1.37.2"
	want, err := json.Marshal(st)
	require.NoError(t, err)
	got, err := json.Marshal(toAPIStatus(st))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}

func TestClusters(t *testing.T) {
	h := clusterHarness(t)

	r := h.do(http.MethodGet, "/api/v1/clusters/edge-1/status", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var st api.ClusterStatus
	r.decode(t, &st)
	assert.Equal(t, api.ClusterStatus{Phase: "pending", Version: "v1.37.2", Fleets: []string{"edge"}, NodesTotal: 1,
		Nodes: []api.ClusterNode{{Name: "cp1", Role: "control-plane"}}}, st)

	r = h.do(http.MethodGet, "/api/v1/clusters", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var list api.List[api.Cluster]
	r.decode(t, &list)
	require.Len(t, list.Items, 3)
	lab := list.Items[2]
	assert.Equal(t, "lab", lab.Name)
	assert.Equal(t, "Cluster", lab.Kind)
	assert.Equal(t, toAPIStatus(labStatus), lab.Status)

	r = h.do(http.MethodGet, "/api/v1/clusters/lab", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var one api.Cluster
	r.decode(t, &one)
	assert.Equal(t, "cp1 has been booting for 25m", one.Status.Stuck.Reason)
	assert.JSONEq(t, `{"kubernetesVersion":"v1.37.2","controlPlane":{"machines":["cp1"]}}`, string(one.Spec))

	for _, path := range []string{"/api/v1/clusters/nope", "/api/v1/clusters/nope/status"} {
		r = h.do(http.MethodGet, path, auth.Viewer, nil)
		assert.Equal(t, http.StatusNotFound, r.status, path)
		assert.Contains(t, r.apiError(t).Message, "nope")
	}
}

func TestFleetView(t *testing.T) {
	h := clusterHarness(t)
	r := h.do(http.MethodGet, "/api/v1/fleet", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var v api.FleetView
	r.decode(t, &v)
	want := api.FleetView{
		Fleets: []api.FleetGroup{{Name: "edge", Description: "Edge sites", Clusters: []api.FleetCluster{
			{Name: "edge-1", Declared: true, Version: "v1.37.2", Phase: "pending", NodesTotal: 1},
			{Name: "ghost", Message: "not declared"},
		}}},
		Unassigned: []api.FleetCluster{
			{Name: "broken", Declared: true, Version: "v1.37.2", Phase: "pending", NodesTotal: 1},
			{Name: "lab", Declared: true, Version: "v1.37.2", Phase: "stuck", Message: "waiting for cp1", Since: labStatus.Since, APIError: "connection refused",
				NodesTotal: 1, CertsExpire: labStatus.CertsExpire, Expiring: []string{"fleet/edge"}, Stuck: "cp1 has been booting for 25m"},
		},
	}
	assert.Equal(t, want, v)
}

func TestKubeconfig(t *testing.T) {
	h := clusterHarness(t)
	const path = "/api/v1/clusters/edge-1/kubeconfig"

	t.Run("viewer and operator are refused", func(t *testing.T) {
		for _, role := range []string{auth.Viewer, auth.Operator} {
			r := h.do(http.MethodPost, path, role, api.KubeconfigRequest{TTL: "1h"})
			assert.Equal(t, http.StatusForbidden, r.status, role)
		}
	})
	t.Run("unknown cluster", func(t *testing.T) {
		r := h.do(http.MethodPost, "/api/v1/clusters/nope/kubeconfig", auth.Admin, nil)
		assert.Equal(t, http.StatusNotFound, r.status, string(r.body))
	})
	t.Run("bad ttl names the field", func(t *testing.T) {
		for _, ttl := range []string{"2d", "48h", "-1h", "0s"} {
			r := h.do(http.MethodPost, path, auth.Admin, api.KubeconfigRequest{TTL: ttl})
			require.Equal(t, http.StatusBadRequest, r.status, ttl)
			assert.Equal(t, "ttl", r.apiError(t).Field, ttl)
		}
		r := h.do(http.MethodPost, path, auth.Admin, `{"ttl":"1h","user":"root"}`)
		assert.Equal(t, http.StatusBadRequest, r.status, "unknown fields are refused")
	})
	t.Run("refused cluster is a conflict", func(t *testing.T) {
		r := h.do(http.MethodPost, "/api/v1/clusters/broken/kubeconfig", auth.Admin, nil)
		assert.Equal(t, http.StatusConflict, r.status, string(r.body))
		assert.Contains(t, r.apiError(t).Message, "spec.ip is required")
	})

	var kc api.KubeconfigResponse
	t.Run("admin gets a kubeconfig for itself", func(t *testing.T) {
		r := h.do(http.MethodPost, path, auth.Admin, api.KubeconfigRequest{TTL: "30m"})
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		r.decode(t, &kc)
		cfg, err := clientcmd.Load([]byte(kc.Kubeconfig))
		require.NoError(t, err)
		require.Len(t, cfg.AuthInfos, 1)
		for _, ai := range cfg.AuthInfos {
			block, _ := pem.Decode(ai.ClientCertificateData)
			require.NotNil(t, block)
			cert, err := x509.ParseCertificate(block.Bytes)
			require.NoError(t, err)
			assert.Equal(t, "token:admin", cert.Subject.CommonName)
			assert.WithinDuration(t, time.Now().Add(30*time.Minute), cert.NotAfter, 2*time.Minute)
		}
		assert.WithinDuration(t, time.Now().Add(30*time.Minute), kc.ExpiresAt, time.Minute)
		r = h.do(http.MethodPost, path, auth.Admin, nil)
		require.Equal(t, http.StatusOK, r.status, "an empty body means 1h: %s", r.body)
	})

	t.Run("audited without the secret", func(t *testing.T) {
		require.NotEmpty(t, kc.Kubeconfig)
		var rows []store.Audit
		require.NoError(t, h.db.View(context.Background(), func(tx *store.Tx) (err error) {
			rows, err = tx.ListAudit(store.AuditFilter{Limit: 1000})
			return err
		}))
		var ok, refused int
		for _, a := range rows {
			all, err := json.Marshal(a)
			require.NoError(t, err)
			for _, secret := range []string{kc.Kubeconfig[:40], "client-key-data", "PRIVATE KEY", "BEGIN"} {
				assert.NotContains(t, string(all), secret)
			}
			if a.Action != "POST /api/v1/clusters/:name/kubeconfig" {
				continue
			}
			if a.Status == http.StatusOK {
				ok++
				assert.Equal(t, "edge-1", a.Target)
				assert.Equal(t, "token:admin", a.Actor)
				assert.Regexp(t, `^cluster-admin kubeconfig of edge-1 issued to token:admin for (30m0s|1h0m0s)$`, a.Result)
			} else {
				refused++
			}
		}
		assert.Equal(t, 2, ok)
		assert.Equal(t, 9, refused, "the refused requests are audited too")
		assert.NotContains(t, h.logs.String(), "PRIVATE KEY")
	})
}

func TestCredentialsKubeconfigSize(t *testing.T) {
	h := newHarness(t)
	big := strings.Repeat("k", 8<<10)
	r := h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "mgr", Username: "kubeconfig", Password: big})
	assert.Equal(t, http.StatusCreated, r.status, string(r.body))
	r = h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "bmc", Username: "admin", Password: big})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "password", r.apiError(t).Field)
}
