package kube

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNow is a fixed instant so validity windows are exact.
var testNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// oneCP is a 1+1 cluster: the control plane's IP is the endpoint.
func oneCP() Cluster {
	return Cluster{
		Name: "edge-1", Version: "v1.37.2", Endpoint: "198.18.0.10:6443",
		ServiceCIDR: netip.MustParsePrefix("10.96.0.0/12"), PodCIDR: netip.MustParsePrefix("10.244.0.0/16"),
		DNSDomain: "cluster.local",
		Nodes: []Node{
			{Name: "r1-u05", IP: netip.MustParseAddr("198.18.0.10"), Role: RoleControlPlane, PodCIDR: netip.MustParsePrefix("10.244.0.0/24")},
			{Name: "r1-u06", IP: netip.MustParseAddr("198.18.0.11"), Role: RoleWorker, PodCIDR: netip.MustParsePrefix("10.244.1.0/24")},
		},
	}
}

// threeCP is a 3+1 cluster behind a DNS endpoint (a VIP's name).
func threeCP() Cluster {
	c := oneCP()
	c.Name, c.Endpoint = "edge-3", "api.edge-3.example:6443"
	c.Nodes = []Node{
		{Name: "cp-a", IP: netip.MustParseAddr("198.18.1.1"), Role: RoleControlPlane, PodCIDR: netip.MustParsePrefix("10.244.0.0/24")},
		{Name: "cp-b", IP: netip.MustParseAddr("198.18.1.2"), Role: RoleControlPlane, PodCIDR: netip.MustParsePrefix("10.244.1.0/24")},
		{Name: "cp-c", IP: netip.MustParseAddr("198.18.1.3"), Role: RoleControlPlane, PodCIDR: netip.MustParsePrefix("10.244.2.0/24")},
		{Name: "w-1", IP: netip.MustParseAddr("198.18.1.4"), Role: RoleWorker, PodCIDR: netip.MustParsePrefix("10.244.3.0/24")},
	}
	return c
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./internal/kube -update")
	require.Equal(t, string(want), string(got), "%s differs (go test ./internal/kube -update rewrites it)", path)
}

// goldenName turns a node path into a flat golden file name.
func goldenName(dir, path string) string {
	return dir + "/" + strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_")
}

func testPKI(t *testing.T) *ClusterPKI {
	t.Helper()
	p, err := NewClusterPKI(testNow)
	require.NoError(t, err)
	return p
}

func testToken(t *testing.T) BootstrapToken {
	t.Helper()
	tok, err := NewBootstrapToken(testNow, time.Hour, "test")
	require.NoError(t, err)
	return tok
}
