package server

import (
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/pki"
)

// TestRenewScriptAgainstAPI runs the node's rendered renewal script (the
// host's python3) against this API server on HTTPS with the appliance's
// own TLS material: the script's request, the route, the journey and the
// cluster controller agree on the wire, and what lands on the node chains
// to the cluster's CA.
func TestRenewScriptAgainstAPI(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	h, tokens := renewHarness(t)
	b, err := pki.Ensure(t.TempDir(), []string{"localhost"}, time.Now())
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(h.srv.Handler())
	ts.TLS = b.TLSConfig()
	ts.StartTLS()
	t.Cleanup(ts.Close)

	dir := t.TempDir()
	root, calls := filepath.Join(dir, "root"), filepath.Join(dir, "calls")
	files, err := kube.RenderNode(renewCluster(), "cp1")
	require.NoError(t, err)
	script := filepath.Join(dir, "renew")
	require.NoError(t, os.WriteFile(script, files[kube.RenewScript].Data, 0o755))
	systemctl := filepath.Join(dir, "systemctl")
	require.NoError(t, os.WriteFile(systemctl, []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755))
	for path, data := range map[string][]byte{kube.RenewTokenFile: []byte(tokens["cp1"] + "\n"), kube.RenewCAFile: b.CAPEM,
		kube.RenewURLFile: []byte(ts.URL + "\n"), kube.RenewSerialFile: []byte("3\n")} { // a set it no longer has a record of
		p := filepath.Join(root, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o600))
	}
	run := func() string {
		cmd := exec.Command("python3", script, "--root", root)
		// No apiserver listens here: kubelet's restart waits for it 1 s, not 300.
		cmd.Env = append(os.Environ(), "SLIPWAY_RENEW_SYSTEMCTL="+systemctl, "SLIPWAY_RENEW_APISERVER_WAIT=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}

	out := run()
	assert.Contains(t, out, "slipway-renew: wrote")
	serial, err := os.ReadFile(filepath.Join(root, kube.RenewSerialFile))
	require.NoError(t, err)
	assert.Equal(t, "4\n", string(serial))
	restarted, err := os.ReadFile(calls)
	require.NoError(t, err)
	assert.Equal(t, "restart etcd.service\nrestart kube-apiserver.service\nrestart kube-controller-manager.service\n"+
		"restart kube-scheduler.service\nrestart kubelet.service\nrestart kube-proxy.service\n", string(restarted),
		"one at a time, in order (kubelet once the local apiserver answers)")
	key, err := os.Stat(filepath.Join(root, kube.PKIDir, "apiserver.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), key.Mode().Perm())
	assert.NoFileExists(t, filepath.Join(root, kube.PKIDir, "ca.key"), "renewal never sends a CA key")
	ca := readPEMCert(t, filepath.Join(root, kube.PKIDir, "ca.crt"))
	leaf := readPEMCert(t, filepath.Join(root, kube.PKIDir, "apiserver.crt"))
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "cp1"})
	require.NoError(t, err, "the renewed serving certificate chains to the cluster CA")

	assert.Contains(t, run(), "nothing is due", "the next check holds the last set")
}

func readPEMCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	blk, _ := pem.Decode(data)
	require.NotNil(t, blk, path)
	c, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err, path)
	return c
}

// renewCluster is edge-1 of renewHarness as kube renders it (the script
// depends on the cluster only in its comments).
func renewCluster() kube.Cluster {
	return kube.Cluster{Name: "edge-1", Version: "v1.37.2", Endpoint: "198.18.0.11:6443",
		ServiceCIDR: netip.MustParsePrefix("10.96.0.0/12"), PodCIDR: netip.MustParsePrefix("10.244.0.0/16"), DNSDomain: "cluster.local",
		Nodes: []kube.Node{{Name: "cp1", IP: netip.MustParseAddr("198.18.0.11"), Role: kube.RoleControlPlane,
			PodCIDR: netip.MustParsePrefix("10.244.0.0/24")}}}
}
