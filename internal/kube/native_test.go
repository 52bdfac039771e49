package kube

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	certv1 "k8s.io/api/certificates/v1"
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

// execStart returns a unit's ExecStart command line as arguments (the
// rendered units use no quoting).
func execStart(t *testing.T, unit []byte) []string {
	t.Helper()
	text := strings.ReplaceAll(string(unit), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("no ExecStart in unit:\n%s", unit)
	return nil
}

// install writes fs under root and returns a function that moves the
// node's absolute paths in an argument list under root too.
func install(t *testing.T, root string, fs FileSet) func([]string) []string {
	t.Helper()
	for _, p := range fs.Paths() {
		dst := filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, fs[p].Data, fs[p].Mode))
	}
	return func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			for _, dir := range []string{"/etc/kubernetes", "/var/lib/etcd"} {
				a = strings.ReplaceAll(a, "="+dir, "="+root+dir)
			}
			out[i] = a
		}
		return out
	}
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

	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		err := cp.Do(func() (err error) {
			conn, err = (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
			return err
		})
		return conn, err
	}
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

// nodeClientCSR posts the CSR a kubelet posts in TLS bootstrap and waits
// for the signed certificate.
func nodeClientCSR(t *testing.T, ctx context.Context, cs *kubernetes.Clientset, node string) (crt, keyData []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:node:" + node, Organization: []string{"system:nodes"}}}, key)
	require.NoError(t, err)
	csr, err := cs.CertificatesV1().CertificateSigningRequests().Create(ctx, &certv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certv1.KubeAPIServerClientKubeletSignerName,
			Usages:     []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := cs.CertificatesV1().CertificateSigningRequests().Get(ctx, csr.Name, metav1.GetOptions{})
		if err == nil && len(got.Status.Certificate) > 0 {
			crt = got.Status.Certificate
			return true
		}
		return false
	}, 90*time.Second, 250*time.Millisecond, "CSR %s never approved and signed", csr.Name)
	keyData, err = keyPEM(key)
	require.NoError(t, err)
	return crt, keyData
}

func restConfig(t *testing.T, kubeconfig []byte) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	require.NoError(t, err)
	return cfg
}

func clientFor(t *testing.T, cfg *rest.Config, dial func(context.Context, string, string) (net.Conn, error)) *kubernetes.Clientset {
	t.Helper()
	cfg.Dial, cfg.Timeout = dial, 10*time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

func tryWhoami(ctx context.Context, cs *kubernetes.Clientset) (authnv1.UserInfo, error) {
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return authnv1.UserInfo{}, err
	}
	return r.Status.UserInfo, nil
}

func whoami(t *testing.T, ctx context.Context, cs *kubernetes.Clientset) authnv1.UserInfo {
	t.Helper()
	u, err := tryWhoami(ctx, cs)
	require.NoError(t, err)
	return u
}

func version(t *testing.T, bin, arg string) string {
	out, err := exec.Command(bin, arg).CombinedOutput()
	if err != nil {
		t.Logf("%s %s: %v", bin, arg, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
