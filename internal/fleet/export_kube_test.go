package fleet

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/kubeapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// exportRegistration registers srv itself as the workload cluster, with a
// fresh client certificate for user issued by its CA.
func exportRegistration(t *testing.T, srv *kubeapi.Server, user string) Registration {
	t.Helper()
	kc, err := srv.PKI.AdminKubeconfig(srv.Cluster(), user, time.Hour, time.Now())
	require.NoError(t, err)
	cfg, err := clientcmd.Load(kc)
	require.NoError(t, err)
	auth := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	return Registration{Cluster: "edge-1", Fleet: "retail", Server: srv.Endpoint,
		CAData:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.PKI.CA.Cert.Raw}),
		CertData: auth.ClientCertificateData, KeyData: auth.ClientKeyData, Labels: map[string]string{"env": "prod"}}
}

// exportWhoami authenticates with cfg and returns the user name.
func exportWhoami(t *testing.T, ctx context.Context, cfg *rest.Config) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	require.NoError(t, err)
	return r.Status.UserInfo.Username
}

// exportReachWith turns each exporter's Secret back into a client
// configuration, as Argo CD and Cluster API read it.
var exportReachWith = map[string]func(*testing.T, *corev1.Secret) *rest.Config{
	"argocd": func(t *testing.T, s *corev1.Secret) *rest.Config {
		var c argoClusterConfig
		require.NoError(t, json.Unmarshal(s.Data["config"], &c))
		tls := c.TLSClientConfig
		return &rest.Config{Host: string(s.Data["server"]),
			TLSClientConfig: rest.TLSClientConfig{CAData: tls.CAData, CertData: tls.CertData, KeyData: tls.KeyData}}
	},
	"clusterapi": func(t *testing.T, s *corev1.Secret) *rest.Config {
		cfg, err := clientcmd.RESTConfigFromKubeConfig(s.Data[CAPIKubeconfigKey])
		require.NoError(t, err)
		return cfg
	},
}

func TestExportersOnAPIServer(t *testing.T) {
	srv := kubeapi.Start(t)
	ctx := t.Context()
	mgmt := srv.Client()
	for _, tc := range []struct {
		exp              Exporter
		ns, name, typ    string
		label, labelWant string
	}{
		{ArgoCD{}, "argocd", "slipway-edge-1", "Opaque", labelArgoSecretType, "cluster"},
		{ClusterAPI{}, "default", "edge-1-kubeconfig", string(CAPISecretType), labelCAPICluster, "edge-1"},
	} {
		t.Run(tc.exp.Name(), func(t *testing.T) {
			get := func() (*corev1.Secret, error) {
				return mgmt.CoreV1().Secrets(tc.ns).Get(ctx, tc.name, metav1.GetOptions{})
			}
			reg := exportRegistration(t, srv, "fleet-a")
			require.NoError(t, tc.exp.Apply(ctx, mgmt, reg))
			s, err := get()
			require.NoError(t, err)
			assert.Equal(t, tc.typ, string(s.Type))
			assert.Equal(t, map[string]string{tc.label: tc.labelWant, LabelManagedBy: "slipway", LabelCluster: "edge-1",
				LabelFleet: "retail", "env": "prod"}, s.Labels)
			assert.Equal(t, "fleet-a", exportWhoami(t, ctx, exportReachWith[tc.exp.Name()](t, s)))

			require.NoError(t, tc.exp.Apply(ctx, mgmt, reg), "idempotent")
			again, err := get()
			require.NoError(t, err)
			assert.Equal(t, s.ResourceVersion, again.ResourceVersion, "the same registration changes nothing")

			reg = exportRegistration(t, srv, "fleet-b") // a renewed certificate, a label dropped
			reg.Labels = nil
			require.NoError(t, tc.exp.Apply(ctx, mgmt, reg))
			s, err = get()
			require.NoError(t, err)
			assert.NotContains(t, s.Labels, "env")
			assert.Equal(t, "fleet-b", exportWhoami(t, ctx, exportReachWith[tc.exp.Name()](t, s)))

			require.NoError(t, tc.exp.Remove(ctx, mgmt, "edge-1"))
			_, err = get()
			require.True(t, apierrors.IsNotFound(err), "removed: %v", err)
			require.NoError(t, tc.exp.Remove(ctx, mgmt, "edge-1"), "removing twice is fine")
		})
	}
}

// TestExportersLeaveForeignSecrets: a Secret of the same name that Slipway
// did not write (a real Cluster API's kubeconfig) is neither overwritten
// nor deleted.
func TestExportersLeaveForeignSecrets(t *testing.T) {
	srv := kubeapi.Start(t)
	ctx := t.Context()
	mgmt := srv.Client()
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "edge-1-kubeconfig", Namespace: "default"},
		Type: CAPISecretType, Data: map[string][]byte{"value": []byte("theirs")}}
	_, err := mgmt.CoreV1().Secrets("default").Create(ctx, foreign, metav1.CreateOptions{})
	require.NoError(t, err)

	exp := ClusterAPI{}
	require.ErrorContains(t, exp.Apply(ctx, mgmt, exportRegistration(t, srv, "fleet-a")), "not managed by slipway")
	require.ErrorContains(t, exp.Remove(ctx, mgmt, "edge-1"), "not managed by slipway")
	s, err := mgmt.CoreV1().Secrets("default").Get(ctx, "edge-1-kubeconfig", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "theirs", string(s.Data["value"]))
}
