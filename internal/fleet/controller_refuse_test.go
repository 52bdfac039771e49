package fleet

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/test/kubeapi"
)

// TestAPIServerRefuses: what the cluster itself must refuse (the
// controller relies on it): an expired bootstrap token, and a kubelet
// writing another node's status (Node authorizer + NodeRestriction).
func TestAPIServerRefuses(t *testing.T) {
	srv := kubeapi.Start(t)
	ctx, admin := t.Context(), srv.Client()

	t.Run("expired bootstrap token", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			expires time.Duration
			ok      bool
		}{{"valid", time.Hour, true}, {"expired", -time.Minute, false}} {
			tok, err := kube.NewBootstrapToken(time.Now(), time.Hour, "kubeapi test "+tc.name)
			require.NoError(t, err)
			tok.Expires = time.Now().Add(tc.expires).UTC().Truncate(time.Second)
			_, err = admin.CoreV1().Secrets(metav1.NamespaceSystem).Create(ctx, tok.SecretObject(), metav1.CreateOptions{})
			require.NoError(t, err)
			_, err = whoami(ctx, tokenClient(t, srv, tok.Value()))
			if tc.ok {
				assert.NoError(t, err, tc.name)
			} else {
				assert.True(t, apierrors.IsUnauthorized(err), "%s: want 401, got %v", tc.name, err)
			}
		}
	})

	t.Run("node impersonation", func(t *testing.T) {
		a, b := nodeClient(t, srv, "node-a"), nodeClient(t, srv, "node-b")
		for name, cs := range map[string]kubernetes.Interface{"node-a": a, "node-b": b} {
			who, err := whoami(ctx, cs)
			require.NoError(t, err)
			assert.Equal(t, "system:node:"+name, who.Username)
			readyNode(t, cs, name) // a kubelet registers and reports its own Node
		}
		_, err := a.CoreV1().Nodes().Get(ctx, "node-b", metav1.GetOptions{})
		assert.True(t, apierrors.IsForbidden(err), "node-a read node-b (v1.37 lets a node read only its own Node): %v", err)
		nb, err := admin.CoreV1().Nodes().Get(ctx, "node-b", metav1.GetOptions{})
		require.NoError(t, err)
		nb.Status.Conditions[0].Status = corev1.ConditionFalse
		_, err = a.CoreV1().Nodes().UpdateStatus(ctx, nb, metav1.UpdateOptions{})
		assert.True(t, apierrors.IsForbidden(err), "node-a wrote node-b's status: %v", err)
		nb.Labels = map[string]string{"stolen": "yes"}
		_, err = a.CoreV1().Nodes().Update(ctx, nb, metav1.UpdateOptions{})
		assert.True(t, apierrors.IsForbidden(err), "node-a updated node-b: %v", err)
		err = a.CoreV1().Nodes().Delete(ctx, "node-b", metav1.DeleteOptions{})
		assert.True(t, apierrors.IsForbidden(err), "node-a deleted node-b: %v", err)
		got, err := admin.CoreV1().Nodes().Get(ctx, "node-b", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, corev1.ConditionTrue, got.Status.Conditions[0].Status)
	})
}

// nodeClient authenticates as node name's kubelet: a certificate for
// system:node:NAME in system:nodes issued from srv's PKI the way
// internal/kube issues a control-plane node's kubelet identity.
func nodeClient(t *testing.T, srv *kubeapi.Server, name string) kubernetes.Interface {
	t.Helper()
	c := srv.Cluster()
	c.Nodes = nil
	for i, n := range []string{"node-a", "node-b", "node-c"} {
		c.Nodes = append(c.Nodes, kube.Node{Name: n, Role: kube.RoleControlPlane,
			IP:      netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)}),
			PodCIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24)})
	}
	files, err := srv.PKI.NodeFiles(c, name, kube.BootstrapToken{}, time.Now())
	require.NoError(t, err)
	pair := files[kube.KubeletClientFile].Data // certificate and key, as kubelet keeps them
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.Endpoint,
		TLSClientConfig: rest.TLSClientConfig{CAData: srv.PKI.CACert(), CertData: pair, KeyData: pair}})
	require.NoError(t, err)
	return cs
}
