package kubeapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func whoami(t *testing.T, ctx context.Context, cs kubernetes.Interface) authnv1.UserInfo {
	t.Helper()
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	require.NoError(t, err)
	return r.Status.UserInfo
}

func TestStart(t *testing.T) {
	srv := Start(t)
	ctx := t.Context()

	u, err := url.Parse(srv.Endpoint)
	require.NoError(t, err)
	assert.Equal(t, "https", u.Scheme)
	assert.Equal(t, "127.0.0.1", u.Hostname())

	cfg, err := clientcmd.RESTConfigFromKubeConfig(srv.AdminKubeconfig())
	require.NoError(t, err)
	assert.Equal(t, srv.Endpoint, cfg.Host)
	assert.Equal(t, srv.Endpoint, srv.RESTConfig().Host)
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	who := whoami(t, ctx, cs)
	assert.Equal(t, "kubernetes-super-admin", who.Username)
	assert.Contains(t, who.Groups, "system:masters")

	_, err = srv.Client().CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubeapi-test"}}, metav1.CreateOptions{})
	require.NoError(t, err)

	// The PKI and Cluster mint more identities the server accepts.
	alice, err := srv.PKI.AdminKubeconfig(srv.Cluster(), "alice", time.Hour, time.Now())
	require.NoError(t, err)
	acfg, err := clientcmd.RESTConfigFromKubeConfig(alice)
	require.NoError(t, err)
	assert.Equal(t, "alice", whoami(t, ctx, kubernetes.NewForConfigOrDie(acfg)).Username)

	srv.Stop()
	srv.Stop() // idempotent
	_, err = net.DialTimeout("tcp", u.Host, time.Second)
	require.Error(t, err, "nothing listens after Stop")
}

// TestControllerManager signs an approved CSR with the cluster CA, as the
// controller manager does for kubelets and for fleet managers' identities.
func TestControllerManager(t *testing.T) {
	srv := Start(t, WithControllerManager())
	ctx := t.Context()
	cs := srv.Client()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "fleet-manager", Organization: []string{"slipway:fleet"}}}, key)
	require.NoError(t, err)
	csr, err := cs.CertificatesV1().CertificateSigningRequests().Create(ctx, &certv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "fleet-manager"},
		Spec: certv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certv1.KubeAPIServerClientSignerName,
			Usages:     []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	csr.Status.Conditions = append(csr.Status.Conditions, certv1.CertificateSigningRequestCondition{
		Type: certv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "Test", Message: "kubeapi test"})
	_, err = cs.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
	require.NoError(t, err)

	var crt []byte
	require.Eventually(t, func() bool {
		got, err := cs.CertificatesV1().CertificateSigningRequests().Get(ctx, csr.Name, metav1.GetOptions{})
		crt = got.Status.Certificate
		return err == nil && len(crt) > 0
	}, 60*time.Second, 200*time.Millisecond, "CSR never signed")

	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	cfg := srv.RESTConfig()
	cfg.TLSClientConfig = rest.TLSClientConfig{CAData: cfg.CAData, CertData: crt,
		KeyData: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
	who := whoami(t, ctx, kubernetes.NewForConfigOrDie(cfg))
	assert.Equal(t, "fleet-manager", who.Username)
	assert.Contains(t, who.Groups, "slipway:fleet")
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv(EnvBin, t.TempDir())
	_, err := lookBinaries(options{})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "no kube-apiserver in"), err.Error())
}

func TestRepoRoot(t *testing.T) {
	root, err := repoRoot()
	require.NoError(t, err)
	assert.FileExists(t, root+"/go.mod")
	assert.DirExists(t, root+"/test/kubeapi")
}
