package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/store"
)

// clusterYAML declares cluster name with control plane cps (comma
// separated), workers and, when set, an endpoint and a version.
func clusterYAML(name, cps, workers, endpoint, version string) string {
	y := fmt.Sprintf("---\napiVersion: slipway.dev/v1alpha1\nkind: Cluster\nmetadata: {name: %s}\nspec:\n  kubernetesVersion: %s\n  controlPlane: {machines: [%s]",
		name, or(version, testVersion), cps)
	if endpoint != "" {
		y += ", endpoint: \"" + endpoint + "\""
	}
	y += "}\n"
	if workers != "" {
		y += "  workers: {machines: [" + workers + "]}\n"
	}
	return y
}

// edge1 is a 1 control-plane + 1 worker cluster on 198.18.0.0/24.
func edge1(t *testing.T) *ctl {
	t.Helper()
	f := newCtl(t, Config{})
	f.apply(t, siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "w1=198.18.0.21")+clusterYAML("edge-1", "cp1", "w1", "", ""))
	return f
}

func TestNodeSeed(t *testing.T) {
	f := edge1(t)

	cp, err := f.seed(t, "cp1", "edge-1")
	require.NoError(t, err)
	assert.Contains(t, cp.Files, kube.PKIDir+"/ca.crt")
	assert.Contains(t, cp.Files, kube.PKIDir+"/ca.key", "a control plane signs kubelet CSRs")
	assert.NotContains(t, cp.Files, kube.KubeDir+"/bootstrap-kubelet.conf")
	assert.Equal(t, []string{"etcd.service", "kube-apiserver.service", "kube-controller-manager.service", "kube-scheduler.service",
		"kubelet.service", "kube-proxy.service", "containerd.service", "slipway-preload-images.service", "slipway-pod-routes.service",
		"slipway-renew.service", "slipway-renew.timer"}, cp.Units)

	w, err := f.seed(t, "w1", "edge-1")
	require.NoError(t, err)
	assert.Contains(t, w.Files, kube.PKIDir+"/ca.crt")
	assert.Contains(t, w.Files, kube.KubeDir+"/bootstrap-kubelet.conf")
	assert.NotContains(t, w.Files, kube.PKIDir+"/ca.key", "a worker never holds the CA key")
	assert.NotContains(t, w.Units, "kube-apiserver.service")
	assert.Contains(t, w.Units, "kubelet.service")
	assert.Equal(t, cp.Files[kube.PKIDir+"/ca.crt"].Data, w.Files[kube.PKIDir+"/ca.crt"].Data, "one cluster CA")

	r := f.record(t, "edge-1")
	tok := r.st.Tokens["w1"]
	require.NotEmpty(t, tok.ID)
	assert.False(t, tok.Published, "published by the controller once the API answers")
	boot := string(w.Files[kube.KubeDir+"/bootstrap-kubelet.conf"].Data)
	assert.Contains(t, boot, tok.ID+"."+r.sec.Tokens["w1"], "the seed carries the recorded token")
	assert.Equal(t, map[string]string{"cp1": "10.244.0.0/24", "w1": "10.244.1.0/24"}, r.st.PodCIDRs)
	assert.Equal(t, PhaseProvisioning, r.status.Phase)
	assert.Contains(t, r.st.Certs, "node/cp1")
	assert.Contains(t, r.st.Certs, "node/w1")
}

// TestNodeSeedSealed: the stored row carries no key in the clear; only
// the keyring opens it, and only for its own cluster's name.
func TestNodeSeedSealed(t *testing.T) {
	f := edge1(t)
	_, err := f.seed(t, "cp1", "edge-1")
	require.NoError(t, err)
	caKey := f.record(t, "edge-1").sec.PKI[kube.PKIDir+"/ca.key"]
	require.Contains(t, string(caKey), "PRIVATE KEY")

	var raw store.ClusterRecord
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		raw, err = tx.GetClusterRecord("edge-1")
		return err
	}))
	for name, b := range map[string][]byte{"sealed": raw.Sealed, "state": raw.State, "status": raw.Status} {
		assert.False(t, bytes.Contains(b, caKey), "%s holds the CA key", name)
		assert.NotContains(t, string(b), "PRIVATE KEY", name)
	}
	_, err = f.keys.Open(raw.Sealed, aad("edge-2"))
	require.Error(t, err, "the sealed secrets are bound to the cluster's name")
}

// TestNodeSeedStable: pod CIDRs survive new bundles; a second bundle of a
// worker replaces its token, and the old one is queued for revocation
// only once the cluster had it.
func TestNodeSeedStable(t *testing.T) {
	f := edge1(t)
	_, err := f.seed(t, "cp1", "edge-1")
	require.NoError(t, err)
	_, err = f.seed(t, "w1", "edge-1")
	require.NoError(t, err)
	first := f.record(t, "edge-1")

	_, err = f.seed(t, "w1", "edge-1")
	require.NoError(t, err)
	second := f.record(t, "edge-1")
	assert.Equal(t, first.st.PodCIDRs, second.st.PodCIDRs)
	assert.NotEqual(t, first.st.Tokens["w1"].ID, second.st.Tokens["w1"].ID)
	assert.Empty(t, second.st.Revoke, "an unpublished token never reached the cluster")

	f.update(t, "edge-1", func(r *record) { // as a reconcile does once it wrote the Secret
		ts := r.st.Tokens["w1"]
		ts.Published = true
		r.st.Tokens["w1"] = ts
	})
	_, err = f.seed(t, "w1", "edge-1")
	require.NoError(t, err)
	third := f.record(t, "edge-1")
	assert.Equal(t, []string{second.st.Tokens["w1"].ID}, third.st.Revoke)
	assert.NotEqual(t, second.st.Tokens["w1"].ID, third.st.Tokens["w1"].ID)
	assert.Equal(t, first.st.PodCIDRs, third.st.PodCIDRs)
	assert.Equal(t, first.pki.CACert(), third.pki.CACert(), "the cluster keeps its CA")
}

func TestNodeSeedRefused(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, machine, cluster string
		want                         []string
	}{
		{name: "unsupported version",
			yaml:    siteYAML("198.18.0.0/24", "cp1=198.18.0.11") + clusterYAML("edge-1", "cp1", "", "", "v1.31.4"),
			machine: "cp1", cluster: "edge-1",
			want: []string{"kubernetesVersion v1.31.4 is not supported", "kube v1.31.4", "no artifacts", "make images-kube KUBE_VERSION=v1.31.4"}},
		{name: "member without spec.ip",
			yaml:    siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "w1") + clusterYAML("edge-1", "cp1", "w1", "", ""),
			machine: "cp1", cluster: "edge-1",
			want: []string{"machine w1: spec.ip is required"}},
		{name: "not a member",
			yaml:    siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "x9=198.18.0.99") + clusterYAML("edge-1", "cp1", "", "", ""),
			machine: "x9", cluster: "edge-1",
			want: []string{"machine x9 is not a member of cluster edge-1"}},
		{name: "cluster not declared",
			yaml:    siteYAML("198.18.0.0/24", "cp1=198.18.0.11"),
			machine: "cp1", cluster: "edge-9",
			want: []string{"cluster edge-9 is not declared"}},
		{name: "three control planes without endpoint",
			yaml:    siteYAML("198.18.0.0/24", "cp1=198.18.0.11", "cp2=198.18.0.12", "cp3=198.18.0.13") + clusterYAML("edge-1", "cp1, cp2, cp3", "", "", ""),
			machine: "cp2", cluster: "edge-1",
			want: []string{"spec.controlPlane.endpoint is required with 3 control-plane machines"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCtl(t, Config{})
			f.apply(t, tc.yaml)
			_, err := f.seed(t, tc.machine, tc.cluster)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrRefused), "not ErrRefused: %v", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.False(t, strings.Contains(err.Error(), "PRIVATE KEY"))
		})
	}
}
