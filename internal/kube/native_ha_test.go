package kube

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestNativeStackedEtcd runs a three-member control plane's stacked etcd
// (one namespace per node, peer TLS with the issued peer certificates) and
// the kube-apiservers of two members behind a stable endpoint: an address
// moved between nodes as a VIP would be (keepalived's job on real nodes,
// proven on its own by TestNativeKeepalived).
// A write through one apiserver is read through the other.
func TestNativeStackedEtcd(t *testing.T) {
	bin := requireNative(t)
	c := threeCP()
	c.Endpoint = "198.18.1.100:6443"
	now := time.Now()
	p, err := NewClusterPKI(now)
	require.NoError(t, err)
	lab := netns.New(t)
	lan := lab.Bridge("lan")
	hosts := map[string]*netns.Host{}
	files := map[string]FileSet{}
	for _, n := range c.ControlPlane() {
		h := lab.Host(n.Name)
		h.Link(lan, "eth0", n.IP.String()+"/24", "")
		hosts[n.Name] = h
		fs, err := p.NodeBundle(c, n.Name, BootstrapToken{}, now)
		require.NoError(t, err)
		files[n.Name] = fs
		rebase := install(t, t.TempDir(), fs)
		args := rebase(execStart(t, fs["/etc/systemd/system/etcd.service"].Data))
		proc := h.Start(t, args[0], args[1:]...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("etcd %s:\n%s", n.Name, tail(proc.Output(), 3000))
			}
		})
		if n.Name != "cp-c" {
			args = rebase(execStart(t, fs["/etc/systemd/system/kube-apiserver.service"].Data))
			h.Start(t, filepath.Join(bin, "kube-apiserver"), args[1:]...)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The VIP starts on cp-a.
	_, err = hosts["cp-a"].Run(ctx, "ip", "addr", "add", "198.18.1.100/24", "dev", "eth0")
	require.NoError(t, err)
	// A client whose connections start in node via's namespace (the VIP's holder).
	super := func(via string) (func() error, *kubernetes.Clientset) {
		cs := clientFor(t, restConfig(t, files[via][KubeDir+"/super-admin.conf"].Data), dialIn(hosts[via]))
		ready := func() error {
			_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return err
		}
		return ready, cs
	}
	readyA, a := super("cp-a")
	start := time.Now()
	require.Eventually(t, func() bool { return readyA() == nil }, 150*time.Second, 250*time.Millisecond, "API never ready via the VIP on cp-a")
	t.Logf("3-member etcd + apiserver ready via the VIP %.1fs after start", time.Since(start).Seconds())
	_, err = a.CoreV1().Namespaces().Create(ctx, nsObject("written-via-cp-a"), metav1.CreateOptions{})
	require.NoError(t, err)

	// Move the VIP to cp-b, as keepalived would on failover.
	_, err = hosts["cp-a"].Run(ctx, "ip", "addr", "del", "198.18.1.100/24", "dev", "eth0")
	require.NoError(t, err)
	_, err = hosts["cp-b"].Run(ctx, "ip", "addr", "add", "198.18.1.100/24", "dev", "eth0")
	require.NoError(t, err)
	readyB, b := super("cp-b")
	require.Eventually(t, func() bool { return readyB() == nil }, 150*time.Second, 250*time.Millisecond, "API never ready via the VIP on cp-b")
	ns, err := b.CoreV1().Namespaces().Get(ctx, "written-via-cp-a", metav1.GetOptions{})
	require.NoError(t, err, "the write through cp-a's apiserver is in the shared etcd")
	assert.Equal(t, "written-via-cp-a", ns.Name)
}
