package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestNativeRenewal runs a control plane whose install is 345 days old
// (its certificates expire in 20 days), writes the renewed set over it as
// the node's renewal script does, restarts etcd and kube-apiserver as it
// asks, and checks that they run on the new certificates and accept the
// new identities (a worker's renewed kubelet and kube-proxy too).
func TestNativeRenewal(t *testing.T) {
	bin := requireNative(t)
	c := oneCP()
	installed := time.Now().Add(-CertValidity + 20*24*time.Hour)
	p, err := NewClusterPKI(installed)
	require.NoError(t, err)
	files, err := p.NodeFiles(c, "r1-u05", BootstrapToken{}, installed)
	require.NoError(t, err)
	units, err := RenderNode(c, "r1-u05")
	require.NoError(t, err)
	root := t.TempDir()
	rebase := install(t, root, files)
	lab := netns.New(t)
	cp := lab.Host("cp")
	cp.Link(lab.Bridge("lan"), "eth0", c.Nodes[0].IP.String()+"/24", "")
	dial := dialIn(cp)
	client := func(kubeconfig []byte) *kubernetes.Clientset {
		kc := strings.ReplaceAll(string(kubeconfig), KubeletClientFile, root+KubeletClientFile)
		cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(kc))
		require.NoError(t, err)
		return clientFor(t, cfg, dial)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := func() (stop func()) {
		etcd := rebase(execStart(t, units["/etc/systemd/system/etcd.service"].Data))
		etcdProc := cp.Start(t, etcd[0], etcd[1:]...)
		api := rebase(execStart(t, units["/etc/systemd/system/kube-apiserver.service"].Data))
		apiProc := cp.Start(t, filepath.Join(bin, "kube-apiserver"), api[1:]...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("etcd:\n%s", tail(etcdProc.Output(), 3000))
				t.Logf("kube-apiserver:\n%s", tail(apiProc.Output(), 6000))
			}
		})
		return func() { apiProc.Kill(); etcdProc.Kill() }
	}
	ready := func(super []byte) {
		cs := client(super)
		require.Eventually(t, func() bool {
			body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			return err == nil && string(body) == "ok"
		}, 150*time.Second, 250*time.Millisecond, "kube-apiserver never became ready")
	}
	stop := start()
	ready(files[KubeDir+"/super-admin.conf"].Data)
	_, err = client(files[KubeDir+"/super-admin.conf"].Data).CoreV1().Namespaces().Create(ctx, nsObject("before-renewal"), metav1.CreateOptions{})
	require.NoError(t, err)

	old := servingCert(t, dial, c.Endpoint, p)
	assert.WithinDuration(t, time.Now().Add(20*24*time.Hour), old.NotAfter, time.Hour, "the install's certificate expires in 20 days")

	renewed, err := p.NodeCerts(c, "r1-u05", time.Now())
	require.NoError(t, err)
	install(t, root, renewed)
	stop() // systemctl restart etcd.service kube-apiserver.service ...
	start()
	ready(renewed[KubeDir+"/super-admin.conf"].Data)

	serving := servingCert(t, dial, c.Endpoint, p)
	want := leafOf(t, renewed, PKIDir+"/apiserver.crt")
	assert.Equal(t, want.SerialNumber, serving.SerialNumber, "the apiserver serves the renewed certificate")
	assert.WithinDuration(t, time.Now().Add(CertValidity), serving.NotAfter, time.Hour)
	super := client(renewed[KubeDir+"/super-admin.conf"].Data)
	_, err = super.CoreV1().Namespaces().Get(ctx, "before-renewal", metav1.GetOptions{})
	require.NoError(t, err, "etcd kept its data across the restart on renewed peer/server certificates")
	for name, user := range map[string]string{"controller-manager.conf": userControllerMgr, "scheduler.conf": userScheduler,
		"kube-proxy.conf": userKubeProxy, "super-admin.conf": userSuperAdmin, "kubelet.conf": "system:node:r1-u05"} {
		who := whoami(t, ctx, client(renewed[KubeDir+"/"+name].Data))
		assert.Equal(t, user, who.Username, name)
	}

	// a worker's renewed set: its kubelet gets an identity of its own
	worker, err := p.NodeCerts(c, "r1-u06", time.Now())
	require.NoError(t, err)
	wroot := t.TempDir()
	install(t, wroot, worker)
	kc := strings.ReplaceAll(string(worker[KubeDir+"/kubelet.conf"].Data), KubeletClientFile, wroot+KubeletClientFile)
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(kc))
	require.NoError(t, err)
	who := whoami(t, ctx, clientFor(t, cfg, dial))
	assert.Equal(t, "system:node:r1-u06", who.Username)
	assert.Contains(t, who.Groups, "system:nodes")
	assert.Equal(t, userKubeProxy, whoami(t, ctx, client(worker[KubeDir+"/kube-proxy.conf"].Data)).Username)
}

// servingCert is the certificate the API at endpoint serves, verified
// against the cluster CA.
func servingCert(t *testing.T, dial func(context.Context, string, string) (net.Conn, error), endpoint string, p *ClusterPKI) *x509.Certificate {
	t.Helper()
	raw, err := dial(context.Background(), "tcp", endpoint)
	require.NoError(t, err)
	conn := tls.Client(raw, &tls.Config{RootCAs: pool(&p.CA), ServerName: "kubernetes"})
	defer conn.Close()
	require.NoError(t, conn.Handshake())
	return conn.ConnectionState().PeerCertificates[0]
}
