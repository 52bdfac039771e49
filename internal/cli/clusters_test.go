package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/kube"
)

var (
	clStart = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	clNow   = clStart.Add(25 * time.Minute)
)

// testClusters are a ready cluster, a stuck one and a pending one.
func testClusters() []api.Cluster {
	return []api.Cluster{
		{Object: api.Object{Kind: "Cluster", Name: "edge-1", Revision: 2, CreatedAt: clStart.Add(-48 * time.Hour),
			Spec: json.RawMessage(`{"kubernetesVersion":"v1.37.2","controlPlane":{"machines":["r1-u05"]},"workers":{"selector":{"role":"worker"}},"fleet":"edge"}`)},
			Status: api.ClusterStatus{Phase: "ready", Message: "2/2 nodes Ready", Since: clStart.Add(-time.Hour), Version: "v1.37.2",
				Endpoint: "198.18.0.105:6443", Fleets: []string{"edge"}, API: api.ClusterAPI{Ready: true}, NodesReady: 2, NodesTotal: 2,
				Nodes: []api.ClusterNode{
					{Name: "r1-u05", Role: "control-plane", Machine: "active", Registered: true, Ready: true, Version: "v1.37.2", PodCIDR: "10.244.0.0/24"},
					{Name: "r1-u06", Role: "worker", Machine: "active", Registered: true, Ready: true, Version: "v1.37.2", PodCIDR: "10.244.1.0/24"},
				},
				Versions: []string{"v1.37.2"}, CertsExpire: time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC), Expiring: []string{"node/r1-u06"},
				Heartbeat: clNow.Add(-3 * time.Second), CheckedAt: clNow.Add(-3 * time.Second)}},
		{Object: api.Object{Kind: "Cluster", Name: "lab", Revision: 1, CreatedAt: clStart.Add(-time.Hour)},
			Status: api.ClusterStatus{Phase: "stuck", Message: "control-plane r1-u09 failed: in install: sha256 mismatch", Since: clStart,
				Version: "v1.37.2", Endpoint: "198.18.0.109:6443", API: api.ClusterAPI{Error: "dial tcp 198.18.0.109:6443: connection refused"},
				NodesTotal: 1, Nodes: []api.ClusterNode{{Name: "r1-u09", Role: "control-plane", Machine: "failed", PodCIDR: "10.244.0.0/24"}},
				CertsExpire: time.Date(2036, 3, 12, 9, 0, 0, 0, time.UTC),
				Stuck:       &api.ClusterStuck{Phase: "provisioning", Machine: "r1-u09", Reason: "control-plane r1-u09 failed: in install: sha256 mismatch", Since: clStart},
				CheckedAt:   clNow}},
		{Object: api.Object{Kind: "Cluster", Name: "spare", Revision: 1, CreatedAt: clStart},
			Status: api.ClusterStatus{Phase: "pending", Version: "v1.37.2"}},
	}
}

// TestClusterViews renders get clusters, describe cluster and the fleet
// view with a fixed clock (golden files testdata/clusters-*.txt).
func TestClusterViews(t *testing.T) {
	cs := testClusters()
	var b bytes.Buffer
	tw := newTable(&b)
	clusterTable(tw, cs, clNow)
	require.NoError(t, tw.Flush())
	exactGolden(t, "clusters-get.txt", b.String())

	for _, cl := range cs[:2] {
		b.Reset()
		require.NoError(t, renderCluster(&b, cl, clNow))
		exactGolden(t, "clusters-describe-"+cl.Name+".txt", b.String())
	}

	v := api.FleetView{
		Fleets: []api.FleetGroup{{Name: "edge", Description: "Edge sites", Clusters: []api.FleetCluster{
			fleetClusterOf(cs[0]), {Name: "ghost", Message: "not declared"}}}},
		Unassigned: []api.FleetCluster{fleetClusterOf(cs[1]), fleetClusterOf(cs[2])},
	}
	b.Reset()
	writeFleetView(&b, v, clNow)
	exactGolden(t, "clusters-fleet.txt", b.String())
}

func fleetClusterOf(cl api.Cluster) api.FleetCluster {
	st := cl.Status
	fc := api.FleetCluster{Name: cl.Name, Declared: true, Version: st.Version, Phase: st.Phase, Message: st.Message, Since: st.Since,
		APIReady: st.API.Ready, APIError: st.API.Error, NodesReady: st.NodesReady, NodesTotal: st.NodesTotal, Versions: st.Versions,
		Heartbeat: st.Heartbeat, CertsExpire: st.CertsExpire, Expiring: st.Expiring}
	if st.Stuck != nil {
		fc.Stuck = st.Stuck.Reason
	}
	return fc
}

// fakeArtifacts puts manifests naming every node binary (one byte each)
// where the appliance looks for them, so it accepts clusters of v1.37.2.
func fakeArtifacts(t *testing.T, dir string) {
	t.Helper()
	for _, c := range []struct {
		component, version string
		names              []string
	}{{"kube", "v1.37.2", kube.KubeBinaries}, {"containerd", kube.ContainerdVersion, kube.ContainerdBinaries}} {
		d := filepath.Join(dir, c.component, c.version)
		require.NoError(t, os.MkdirAll(d, 0o755))
		var bins []kube.Artifact
		for _, n := range c.names {
			require.NoError(t, os.WriteFile(filepath.Join(d, n), []byte{0}, 0o755))
			bins = append(bins, kube.Artifact{Name: n, Size: 1})
		}
		b, err := json.Marshal(map[string]any{"version": c.version, "binaries": bins})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(d, "manifest.json"), b, 0o644))
	}
}

// TestClusterCommands runs the cluster commands against a real appliance
// with the example site applied.
func TestClusterCommands(t *testing.T) {
	ta := startAppliance(t)
	ta.login(t)
	fakeArtifacts(t, filepath.Join(ta.dataDir, "kube"))
	r := ta.run(t, "", "apply", "-f", site)
	require.NoError(t, r.err, r.stderr)

	t.Run("get and describe", func(t *testing.T) {
		r := ta.run(t, "", "get", "clusters")
		require.NoError(t, r.err, r.stderr)
		assert.Regexp(t, `(?m)^NAME +VERSION +PHASE +NODES +API +FLEET +CERTS +AGE\nedge-1 +v1\.37\.2 +pending +0/\d +- +edge `, r.stdout)
		r = ta.run(t, "", "describe", "cluster", "edge-1")
		require.NoError(t, r.err, r.stderr)
		assert.Contains(t, r.stdout, "Fleets:")
		r = ta.run(t, "", "describe", "network", "lab")
		assert.Contains(t, r.stderr, "only machines and clusters can be described")
	})

	t.Run("fleet view", func(t *testing.T) {
		for _, args := range [][]string{{"get", "fleet"}, {"fleet"}, {"fleet", "edge"}} {
			r := ta.run(t, "", args...)
			require.NoError(t, r.err, r.stderr)
			assert.True(t, strings.HasPrefix(r.stdout, "Fleet edge: Edge sites managed from this appliance (1 cluster)\n"), r.stdout)
			assert.Contains(t, r.stdout, "  edge-1 ")
		}
		r := ta.run(t, "", "fleet", "nope")
		assert.Contains(t, r.stderr, "fleet nope: not declared")
		r = ta.run(t, "", "get", "fleet", "-o", "json")
		require.NoError(t, r.err, r.stderr)
		var v api.FleetView
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
		require.Len(t, v.Fleets, 1)
	})

	t.Run("kubeconfig", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "edge-1.kubeconfig")
		require.NoError(t, os.WriteFile(file, []byte("old"), 0o644))
		r := ta.run(t, "", "kubeconfig", "cluster", "edge-1", "--ttl", "15m", "-o", file)
		require.NoError(t, r.err, r.stderr)
		assert.Contains(t, r.stderr, "kubeconfig of cluster edge-1 written to "+file)
		st, err := os.Stat(file)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		cfg, err := clientcmd.LoadFromFile(file)
		require.NoError(t, err)
		assert.Equal(t, "https://198.18.0.105:6443", cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster].Server)

		r = ta.run(t, "", "kubeconfig", "cluster", "edge-1")
		require.NoError(t, r.err, r.stderr)
		assert.Contains(t, r.stdout, "client-certificate-data")
		r = ta.run(t, "", "kubeconfig", "cluster", "edge-1", "--ttl", "48h")
		assert.Equal(t, "error: ttl: 48h: want more than 0 and at most 24h0m0s\n", r.stderr)
		r = ta.run(t, "", "kubeconfig", "cluster", "nope")
		assert.Contains(t, r.stderr, "error: ")
	})

	t.Run("renew", func(t *testing.T) {
		r := ta.run(t, "", "renew", "cluster", "edge-1")
		require.NoError(t, r.err, r.stderr)
		assert.Regexp(t, `^renewal of cluster edge-1 requested at \S+: each node fetches its new certificates within the hour`, r.stdout)
		r = ta.run(t, "", "renew", "cluster", "nope")
		assert.Contains(t, r.stderr, "error: ")
		assert.Contains(t, r.stderr, "nope")
		r = ta.run(t, "", "renew", "machine", "r1-u05")
		assert.Contains(t, r.stderr, "only clusters have certificates to renew")
	})

	t.Run("create credentials from a kubeconfig", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "mgr.kubeconfig")
		r := ta.run(t, "", "kubeconfig", "cluster", "edge-1", "-o", file)
		require.NoError(t, r.err, r.stderr)
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		r = ta.run(t, "", "create", "credentials", "argocd-mgr", "--kubeconfig", file)
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "credentials \"argocd-mgr\" stored (username kubeconfig)\n", r.stdout)
		r = ta.run(t, "", "get", "credentials", "argocd-mgr", "-o", "json")
		require.NoError(t, r.err, r.stderr)
		assert.NotContains(t, r.stdout, string(data[:60]))
		assert.NotContains(t, ta.logs.String(), "client-key-data")

		bad := filepath.Join(t.TempDir(), "bad")
		require.NoError(t, os.WriteFile(bad, []byte("hello: [world"), 0o600))
		r = ta.run(t, "", "create", "credentials", "x", "--kubeconfig", bad)
		assert.Contains(t, r.stderr, "not a kubeconfig")
		r = ta.run(t, "", "create", "credentials", "x", "--kubeconfig", file, "--username", "admin")
		assert.Contains(t, r.stderr, "drop --username")
	})
}
