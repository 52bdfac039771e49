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
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

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

// dialIn dials from inside host's namespace.
func dialIn(h *netns.Host) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
		err = h.Do(func() (err error) {
			conn, err = (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
			return err
		})
		return conn, err
	}
}

func nsObject(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
