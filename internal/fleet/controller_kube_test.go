package fleet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	bootstraputil "k8s.io/cluster-bootstrap/token/util"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/test/kubeapi"
)

const tokenTTL = time.Hour

// onAPIServer declares cluster edge-1 (cp1 at 127.0.0.1, workers) whose
// endpoint is srv, and gives its record srv's PKI so that the
// controller's own certificates are the ones srv trusts.
func onAPIServer(t *testing.T, srv *kubeapi.Server, workers string, extra string) *ctl {
	t.Helper()
	f := newCtl(t, Config{StuckAfter: stuckAfter, TokenTTL: tokenTTL})
	machines := []string{"cp1=127.0.0.1"}
	if workers != "" {
		machines = append(machines, "w1=127.0.0.2")
	}
	ep := strings.TrimPrefix(srv.Endpoint, "https://")
	f.adopt(t, "edge-1", srv.PKI)
	f.apply(t, siteYAML("127.0.0.0/16", machines...)+clusterYAML("edge-1", "cp1", workers, ep, "")+extra)
	return f
}

// tokenSecret reads worker's bootstrap token Secret as recorded.
func tokenSecret(t *testing.T, cs kubernetes.Interface, id string) (*corev1.Secret, error) {
	t.Helper()
	return cs.CoreV1().Secrets(metav1.NamespaceSystem).Get(t.Context(), bootstraputil.BootstrapTokenSecretName(id), metav1.GetOptions{})
}

func expiration(t *testing.T, s *corev1.Secret) time.Time {
	t.Helper()
	exp, err := time.Parse(time.RFC3339, string(s.Data[bootstrapapi.BootstrapTokenExpirationKey]))
	require.NoError(t, err)
	return exp
}

// readyNode registers Node name with Ready=True, as its kubelet would.
func readyNode(t testing.TB, cs kubernetes.Interface, name string) {
	t.Helper()
	ctx := t.Context()
	n, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(t, err)
	now := metav1.Now()
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		Reason: "KubeletReady", LastHeartbeatTime: now, LastTransitionTime: now}}
	n.Status.NodeInfo.KubeletVersion = kubeapi.Version
	_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	require.NoError(t, err)
}

// tokenClient authenticates with a bootstrap token, as kubelet's
// bootstrap-kubelet.conf does.
func tokenClient(t *testing.T, srv *kubeapi.Server, token string) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.Endpoint, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{CAData: srv.PKI.CACert()}})
	require.NoError(t, err)
	return cs
}

func whoami(ctx context.Context, cs kubernetes.Interface) (authnv1.UserInfo, error) {
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return authnv1.UserInfo{}, err
	}
	return r.Status.UserInfo, nil
}

// kubeletCSR is what kubelet posts in TLS bootstrap for node.
func kubeletCSR(t *testing.T, node string) *certv1.CertificateSigningRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:node:" + node, Organization: []string{"system:nodes"}}}, key)
	require.NoError(t, err)
	return &certv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certv1.KubeAPIServerClientKubeletSignerName,
			Usages:     []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageClientAuth},
		},
	}
}

// TestControllerJoinsWorker drives a 1+1 cluster on a real kube-apiserver
// from provisioning to ready: bootstrap RBAC, the worker's token
// published, refreshed, replaced and revoked, machines to active.
func TestControllerJoinsWorker(t *testing.T) {
	srv := kubeapi.Start(t)
	ctx, admin := t.Context(), srv.Client()
	f := onAPIServer(t, srv, "w1", "")
	_, err := f.seed(t, "cp1", "edge-1")
	require.NoError(t, err)
	_, err = f.seed(t, "w1", "edge-1")
	require.NoError(t, err)
	f.to(t, "cp1", toJoining...)
	f.to(t, "w1", toProvisioning...)

	st := f.reconcile(t, "edge-1")
	require.True(t, st.API.Ready, st.API.Error)
	assert.Equal(t, PhaseJoining, st.Phase, st.Message)
	assert.False(t, st.Heartbeat.IsZero())
	for _, b := range append(kube.BootstrapRBAC(), kube.FleetRBAC()) {
		_, err := admin.RbacV1().ClusterRoleBindings().Get(ctx, b.Name, metav1.GetOptions{})
		assert.NoError(t, err, "ClusterRoleBinding %s", b.Name)
	}

	tok := f.record(t, "edge-1").st.Tokens["w1"]
	require.True(t, tok.Published)
	s, err := tokenSecret(t, admin, tok.ID)
	require.NoError(t, err)
	assert.WithinDuration(t, f.clock.now().Add(tokenTTL), expiration(t, s), 5*time.Second)
	assert.Len(t, f.events(t, "w1", "cluster.token-published"), 1)

	f.clock.advance(10 * time.Minute)
	f.reconcile(t, "edge-1")
	again, err := tokenSecret(t, admin, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, s.ResourceVersion, again.ResourceVersion, "not refreshed before half its life")

	f.clock.advance(tokenTTL/2 - 5*time.Minute)
	f.reconcile(t, "edge-1")
	again, err = tokenSecret(t, admin, tok.ID)
	require.NoError(t, err)
	assert.WithinDuration(t, f.clock.now().Add(tokenTTL), expiration(t, again), 5*time.Second)
	assert.Greater(t, expiration(t, again).Sub(expiration(t, s)), tokenTTL/2, "refreshed past half its life")

	// The published token is what kubelet's TLS bootstrap authenticates with.
	value := tok.ID + "." + f.record(t, "edge-1").sec.Tokens["w1"]
	boot := tokenClient(t, srv, value)
	who, err := whoami(ctx, boot)
	require.NoError(t, err)
	assert.Equal(t, "system:bootstrap:"+tok.ID, who.Username)
	assert.Contains(t, who.Groups, kube.NodeBootstrapGroup)
	_, err = boot.CertificatesV1().CertificateSigningRequests().Create(ctx, kubeletCSR(t, "w1"), metav1.CreateOptions{})
	require.NoError(t, err, "a bootstrap token may post the kubelet's CSR")

	// A reinstall replaces the token: the old Secret goes, the new one comes.
	_, err = f.seed(t, "w1", "edge-1")
	require.NoError(t, err)
	f.reconcile(t, "edge-1")
	_, err = tokenSecret(t, admin, tok.ID)
	assert.True(t, apierrors.IsNotFound(err), "replaced token still in the cluster: %v", err)
	// kube-apiserver caches successful token authentications for 10 s
	// (its TokenSuccessCacheTTL): a revoked token works up to that long.
	assert.Eventually(t, func() bool {
		_, err := whoami(ctx, boot)
		return apierrors.IsUnauthorized(err)
	}, 30*time.Second, 200*time.Millisecond, "the replaced token still authenticates")
	r := f.record(t, "edge-1")
	assert.Empty(t, r.st.Revoke)
	tok = r.st.Tokens["w1"]
	require.True(t, tok.Published)
	_, err = tokenSecret(t, admin, tok.ID)
	require.NoError(t, err)

	// Both kubelets registered and Ready; the worker phoned home.
	readyNode(t, admin, "cp1")
	readyNode(t, admin, "w1")
	f.to(t, "w1", machine.Installed, machine.BootDisk, machine.PhonedHome)
	st = f.reconcile(t, "edge-1")
	assert.Equal(t, PhaseReady, st.Phase, st.Message)
	assert.Equal(t, "2/2 nodes Ready", st.Message)
	assert.Equal(t, 2, st.NodesReady)
	assert.Equal(t, []string{kubeapi.Version}, st.Versions)
	for _, m := range []string{"cp1", "w1"} {
		assert.Equal(t, string(machine.Active), f.machine(t, m).State, m)
		evs := f.events(t, m, "state")
		require.NotEmpty(t, evs)
		last := evs[len(evs)-1]
		assert.Equal(t, string(machine.Active), last.To)
		assert.Equal(t, "node-ready", last.Reason)
		assert.Contains(t, last.Message, "Node "+m+" of cluster edge-1 is Ready (kubelet v1.37.2)")
	}
	_, err = tokenSecret(t, admin, tok.ID)
	assert.True(t, apierrors.IsNotFound(err), "the joined worker's token is revoked: %v", err)
	assert.True(t, f.record(t, "edge-1").st.Tokens["w1"].Revoked)
	assert.Len(t, f.events(t, "w1", "cluster.token-revoked"), 1)

	f.clock.advance(DefaultInterval)
	st = f.reconcile(t, "edge-1")
	assert.Equal(t, PhaseReady, st.Phase, "steady: %s", st.Message)
	assert.Equal(t, []string{"cp1 active", "w1 active"}, []string{st.Nodes[0].Name + " " + st.Nodes[0].Machine, st.Nodes[1].Name + " " + st.Nodes[1].Machine})
}

// TestControllerExports: a ready cluster of a fleet with an Argo CD
// exporter is registered in the management cluster (a second API server),
// and unregistered when it leaves the fleet.
func TestControllerExports(t *testing.T) {
	srv, mgmt := kubeapi.Start(t), kubeapi.Start(t)
	ctx := t.Context()
	fleetYAML := func(clusters string) string {
		return "---\napiVersion: slipway.dev/v1alpha1\nkind: Credentials\nmetadata: {name: mgmt}\nspec: {description: management cluster}\n" +
			"---\napiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata: {name: retail}\nspec:\n  clusters: [" + clusters + "]\n" +
			"  exporters: [{type: argocd, credentialsRef: mgmt}]\n"
	}
	f := onAPIServer(t, srv, "", fleetYAML("edge-1"))
	sealed, err := f.keys.Seal(mgmt.AdminKubeconfig(), []byte("mgmt"))
	require.NoError(t, err)
	require.NoError(t, f.db.Update(ctx, func(tx *store.Tx) error {
		return tx.PutCredential(&store.Credential{Name: "mgmt", Sealed: sealed})
	}))
	f.to(t, "cp1", toJoining...)
	argo := func() (*corev1.Secret, error) {
		return mgmt.Client().CoreV1().Secrets(ArgoCDDefaultNamespace).Get(ctx, ArgoCDSecretName("edge-1"), metav1.GetOptions{})
	}

	st := f.reconcile(t, "edge-1")
	require.Equal(t, PhaseJoining, st.Phase, st.Message)
	assert.Equal(t, []string{"retail"}, st.Fleets)
	_, err = argo()
	assert.True(t, apierrors.IsNotFound(err), "exported before ready: %v", err)

	readyNode(t, srv.Client(), "cp1")
	st = f.reconcile(t, "edge-1")
	require.Equal(t, PhaseReady, st.Phase, st.Message)
	s, err := argo()
	require.NoError(t, err)
	assert.Equal(t, srv.Endpoint, string(s.Data["server"]))
	assert.Equal(t, "retail", s.Labels[LabelFleet])
	assert.Equal(t, "slipway-fleet:retail", exportWhoami(t, ctx, exportReachWith["argocd"](t, s)),
		"Argo CD reaches the cluster with the fleet's certificate")
	assert.Len(t, f.events(t, "", "cluster.exported"), 1)
	f.clock.advance(DefaultInterval)
	f.reconcile(t, "edge-1")
	assert.Len(t, f.events(t, "", "cluster.exported"), 1, "not written again within the re-export period")

	f.apply(t, fleetYAML(""))
	f.clock.advance(DefaultInterval)
	st = f.reconcile(t, "edge-1")
	assert.Empty(t, st.Fleets)
	_, err = argo()
	assert.True(t, apierrors.IsNotFound(err), "still registered after leaving the fleet: %v", err)
	evs := f.events(t, "", "cluster.unexported")
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Message, "cluster edge-1 removed from fleet retail's argocd manager (credentials mgmt)")
	assert.Empty(t, f.record(t, "edge-1").st.Exports)
}
