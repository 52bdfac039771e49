package kube

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// The native tier runs the rendered control plane for real: Debian's etcd
// and the kube-apiserver that make images-kube built, started from the
// rendered units' command lines with the issued PKI, inside a network
// namespace. SLIPWAY_KUBE=1 enables it; SLIPWAY_KUBE_BIN names the
// directory holding kube-apiserver (make test-kube sets both).
func requireNative(t *testing.T) string {
	t.Helper()
	if os.Getenv("SLIPWAY_KUBE") != "1" {
		t.Skip("SLIPWAY_KUBE=1 runs the native tier (make test-kube)")
	}
	netns.Require(t)
	netns.RequireTool(t, "etcd")
	dir := os.Getenv("SLIPWAY_KUBE_BIN")
	if _, err := os.Stat(filepath.Join(dir, "kube-apiserver")); err != nil {
		t.Fatalf("SLIPWAY_KUBE_BIN=%q has no kube-apiserver (make images-kube): %v", dir, err)
	}
	return dir
}

func TestNativeControlPlane(t *testing.T) {
	bin := requireNative(t)
	c := oneCP()
	now := time.Now()
	p, err := NewClusterPKI(now)
	require.NoError(t, err)
	files, err := p.NodeFiles(c, "r1-u05", BootstrapToken{}, now)
	require.NoError(t, err)
	units, err := RenderNode(c, "r1-u05")
	require.NoError(t, err)
	root := t.TempDir()
	rebase := install(t, root, files)

	lab := netns.New(t)
	lan := lab.Bridge("lan")
	cp := lab.Host("cp")
	cp.Link(lan, "eth0", c.Nodes[0].IP.String()+"/24", "")

	etcd := rebase(execStart(t, units["/etc/systemd/system/etcd.service"].Data))
	etcdProc := cp.Start(t, etcd[0], etcd[1:]...)
	api := rebase(execStart(t, units["/etc/systemd/system/kube-apiserver.service"].Data))
	require.Equal(t, "/usr/local/bin/kube-apiserver", api[0])
	start := time.Now()
	apiProc := cp.Start(t, filepath.Join(bin, "kube-apiserver"), api[1:]...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("etcd:\n%s", tail(etcdProc.Output(), 3000))
			t.Logf("kube-apiserver:\n%s", tail(apiProc.Output(), 6000))
		}
	})

	dial := dialIn(cp)
	client := func(kubeconfig []byte) *kubernetes.Clientset {
		cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
		require.NoError(t, err)
		return clientFor(t, cfg, dial)
	}
	super := client(files[KubeDir+"/super-admin.conf"].Data)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.Eventually(t, func() bool {
		body, err := super.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok"
	}, 150*time.Second, 250*time.Millisecond, "kube-apiserver never became ready")
	t.Logf("kube-apiserver /readyz ok %.1fs after start (etcd %s, apiserver %s)", time.Since(start).Seconds(),
		version(t, "etcd", "--version"), version(t, filepath.Join(bin, "kube-apiserver"), "--version"))

	admin := client(files[KubeDir+"/admin.conf"].Data)
	_, err = admin.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "before the bindings kubernetes-admin is forbidden: %v", err)
	// What the appliance does once the API answers, as kubeadm's bootstrap-token phase does.
	for _, b := range BootstrapRBAC() {
		_, err := super.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{})
		require.NoError(t, err, b.Name)
	}
	for _, unit := range []string{"kube-controller-manager", "kube-scheduler"} {
		args := rebase(execStart(t, units["/etc/systemd/system/"+unit+".service"].Data))
		proc := cp.Start(t, filepath.Join(bin, unit), args[1:]...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s:\n%s", unit, tail(proc.Output(), 4000))
			}
		})
	}

	t.Run("admin via cluster-admins binding", func(t *testing.T) {
		require.Eventually(t, func() bool {
			_, err := admin.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
			return err == nil
		}, 30*time.Second, 200*time.Millisecond)
		short, err := p.AdminKubeconfig(c, "operator-alice", time.Hour, time.Now())
		require.NoError(t, err)
		who := whoami(t, ctx, client(short))
		assert.Equal(t, "operator-alice", who.Username)
		assert.Contains(t, who.Groups, "kubeadm:cluster-admins")
	})

	t.Run("component identities", func(t *testing.T) {
		for name, user := range map[string]string{"controller-manager.conf": userControllerMgr, "scheduler.conf": userScheduler,
			"kube-proxy.conf": userKubeProxy, "super-admin.conf": userSuperAdmin} {
			who := whoami(t, ctx, client(files[KubeDir+"/"+name].Data))
			assert.Equal(t, user, who.Username, name)
		}
		// kubelet.conf names its certificate file: point it into root.
		kc := strings.ReplaceAll(string(files[KubeDir+"/kubelet.conf"].Data), KubeletClientFile, root+KubeletClientFile)
		who := whoami(t, ctx, client([]byte(kc)))
		assert.Equal(t, "system:node:r1-u05", who.Username)
		assert.Contains(t, who.Groups, "system:nodes")
	})

	t.Run("bootstrap token", func(t *testing.T) {
		tok, err := NewBootstrapToken(time.Now(), 10*time.Minute, "native test")
		require.NoError(t, err)
		_, err = super.CoreV1().Secrets("kube-system").Create(ctx, tok.SecretObject(), metav1.CreateOptions{})
		require.NoError(t, err)
		worker, err := p.NodeFiles(c, "r1-u06", tok, time.Now())
		require.NoError(t, err)
		var who authnv1.UserInfo
		require.Eventually(t, func() bool { // the authenticator reads Secrets through an informer
			who, err = tryWhoami(ctx, client(worker[KubeDir+"/bootstrap-kubelet.conf"].Data))
			return err == nil
		}, 30*time.Second, 200*time.Millisecond, "bootstrap token never accepted: %v", err)
		assert.Equal(t, "system:bootstrap:"+tok.ID, who.Username)
		assert.Contains(t, who.Groups, "system:bootstrappers")
		assert.Contains(t, who.Groups, NodeBootstrapGroup)

		// What kubelet's TLS bootstrap does with that token: post a node-client CSR,
		// which the controller manager approves (kubeadm:node-autoapprove-bootstrap)
		// and signs with ca.key; the certificate then authenticates as the node.
		boot := client(worker[KubeDir+"/bootstrap-kubelet.conf"].Data)
		crt, key := nodeClientCSR(t, ctx, boot, "r1-u06")
		cfg := restConfig(t, files[KubeDir+"/admin.conf"].Data)
		cfg.CertData, cfg.KeyData = crt, key
		who = whoami(t, ctx, clientFor(t, cfg, dial))
		assert.Equal(t, "system:node:r1-u06", who.Username)
		assert.Contains(t, who.Groups, "system:nodes")

		expired := BootstrapToken{ID: "zzzzzz", Secret: "0123456789abcdef", Expires: time.Now().Add(-time.Minute)}
		_, err = super.CoreV1().Secrets("kube-system").Create(ctx, expired.SecretObject(), metav1.CreateOptions{})
		require.NoError(t, err)
		cfg = rest.CopyConfig(restConfig(t, files[KubeDir+"/admin.conf"].Data))
		cfg.CertData, cfg.KeyData, cfg.BearerToken = nil, nil, expired.Value()
		_, err = tryWhoami(ctx, clientFor(t, cfg, dial))
		require.True(t, apierrors.IsUnauthorized(err), "an expired token must be refused: %v", err)
	})

	t.Run("real kubelet TLS bootstrap", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(bin, "kubelet")); err != nil {
			t.Skip("no kubelet in SLIPWAY_KUBE_BIN")
		}
		tok, err := NewBootstrapToken(time.Now(), 10*time.Minute, "kubelet r1-u06")
		require.NoError(t, err)
		_, err = super.CoreV1().Secrets("kube-system").Create(ctx, tok.SecretObject(), metav1.CreateOptions{})
		require.NoError(t, err)
		worker, err := p.NodeFiles(c, "r1-u06", tok, time.Now())
		require.NoError(t, err)
		w := lab.Host("w")
		w.Link(lan, "eth0", c.Nodes[1].IP.String()+"/24", "")
		pemFile := kubeletBootstrap(t, bin, w, c, worker, "r1-u06")
		data, err := os.ReadFile(pemFile)
		require.NoError(t, err)
		cfg := restConfig(t, files[KubeDir+"/admin.conf"].Data)
		cfg.CertData, cfg.KeyData = data, data
		who := whoami(t, ctx, clientFor(t, cfg, dial))
		assert.Equal(t, "system:node:r1-u06", who.Username)
		assert.Contains(t, who.Groups, "system:nodes")
	})

	t.Run("controller-manager and scheduler lead", func(t *testing.T) {
		for _, lease := range []string{"kube-controller-manager", "kube-scheduler"} {
			require.Eventually(t, func() bool {
				l, err := super.CoordinationV1().Leases("kube-system").Get(ctx, lease, metav1.GetOptions{})
				return err == nil && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != ""
			}, 60*time.Second, 250*time.Millisecond, "no %s lease", lease)
		}
	})

	t.Run("another cluster's identity", func(t *testing.T) {
		other, err := NewClusterPKI(time.Now())
		require.NoError(t, err)
		foreign, err := other.AdminKubeconfig(c, "mallory", time.Hour, time.Now())
		require.NoError(t, err)
		cfg := restConfig(t, foreign)
		cfg.CAData = certPEM(p.CA.Cert) // trust the real server; present the foreign client certificate
		_, err = tryWhoami(ctx, clientFor(t, cfg, dial))
		require.True(t, apierrors.IsUnauthorized(err), "a certificate of another CA must be refused: %v", err)
	})
}
