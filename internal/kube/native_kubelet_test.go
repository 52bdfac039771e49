package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kubeletBootstrap runs the real kubelet of worker node on host, from the
// rendered unit and config, with the worker's files (bootstrap-kubelet.conf
// carrying tok) under a temporary root, until TLS bootstrap has written
// kubelet.conf and the client certificate; it returns that certificate
// file. The container runtime endpoint points at a socket that does not
// exist, so kubelet stops right after bootstrap and never touches the
// host's cgroups or containers; for the same reason certificate rotation is
// turned off in this copy of the config (see below).
func kubeletBootstrap(t *testing.T, bin string, host *netns.Host, c Cluster, worker FileSet, node string) string {
	t.Helper()
	units, err := RenderNode(c, node)
	require.NoError(t, err)
	root := t.TempDir()
	all := FileSet{}
	require.NoError(t, all.Merge(worker))
	require.NoError(t, all.Merge(units))
	for _, p := range []string{"/var/lib/kubelet/config.yaml"} {
		f := all[p]
		s := strings.ReplaceAll(string(f.Data), "/etc/kubernetes/", root+"/etc/kubernetes/")
		s = strings.ReplaceAll(s, "unix:///run/containerd/containerd.sock", "unix://"+root+"/run/no-runtime.sock")
		// With rotation on, kubelet bootstraps in the background and would
		// stop at the missing runtime first; off, it bootstraps before that.
		s = strings.Replace(s, "rotateCertificates: true", "rotateCertificates: false", 1)
		all[p] = File{Data: []byte(s), Mode: f.Mode}
	}
	rebase := install(t, root, all)
	args := rebase(execStart(t, units["/etc/systemd/system/kubelet.service"].Data))
	for i, a := range args {
		args[i] = strings.Replace(a, "=/var/lib/kubelet/", "="+root+"/var/lib/kubelet/", 1)
	}
	args = append(args, "--root-dir="+root+"/var/lib/kubelet", "--cert-dir="+root+"/var/lib/kubelet/pki")
	proc := host.Start(t, filepath.Join(bin, "kubelet"), args[1:]...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kubelet:\n%s", tail(proc.Output(), 6000))
		}
	})
	current := filepath.Join(root, KubeletClientFile)
	start := time.Now()
	require.Eventually(t, func() bool {
		_, err1 := os.Stat(current)
		_, err2 := os.Stat(filepath.Join(root, KubeDir, "kubelet.conf"))
		return err1 == nil && err2 == nil
	}, 90*time.Second, 100*time.Millisecond, "kubelet never finished TLS bootstrap")
	proc.Kill()
	t.Logf("kubelet TLS bootstrap done %.1fs after start", time.Since(start).Seconds())
	kc, err := os.ReadFile(filepath.Join(root, KubeDir, "kubelet.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(kc), "https://"+c.Endpoint)
	return current
}
