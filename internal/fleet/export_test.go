package fleet

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

var updateExport = flag.Bool("update", false, "rewrite the golden files in testdata")

// exportFixture is a registration with the committed test PKI (a CA and a
// client certificate it signed, both valid until 2125).
func exportFixture(t *testing.T) Registration {
	t.Helper()
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		return data
	}
	return Registration{Cluster: "edge-1", Fleet: "retail", Server: "https://198.18.0.10:6443",
		CAData: read("fixture-ca.crt"), CertData: read("fixture-client.crt"), KeyData: read("fixture-client.key"),
		Labels: map[string]string{"env": "prod"}}
}

func exportGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateExport {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got))
}

func exportYAML(t *testing.T, s *corev1ac.SecretApplyConfiguration) []byte {
	t.Helper()
	j, err := json.Marshal(s)
	require.NoError(t, err)
	y, err := yaml.JSONToYAML(j)
	require.NoError(t, err)
	return y
}

func TestArgoCDSecretGolden(t *testing.T) {
	s, err := ArgoCD{}.Secret(exportFixture(t))
	require.NoError(t, err)
	exportGolden(t, "argocd-secret.golden.yaml", exportYAML(t, s))
	exportGolden(t, "argocd-config.golden.json", s.Data["config"])

	var config map[string]map[string][]byte // Argo CD's shape: base64 PEM strings
	require.NoError(t, json.Unmarshal(s.Data["config"], &config))
	assert.Equal(t, exportFixture(t).CAData, config["tlsClientConfig"]["caData"])

	s, err = ArgoCD{Namespace: "gitops"}.Secret(exportFixture(t))
	require.NoError(t, err)
	assert.Equal(t, "gitops", *s.Namespace)
}

func TestClusterAPISecretGolden(t *testing.T) {
	r := exportFixture(t)
	s, err := ClusterAPI{}.Secret(r)
	require.NoError(t, err)
	exportGolden(t, "capi-secret.golden.yaml", exportYAML(t, s))
	exportGolden(t, "capi-kubeconfig.golden.yaml", s.Data[CAPIKubeconfigKey])

	cfg, err := clientcmd.RESTConfigFromKubeConfig(s.Data[CAPIKubeconfigKey])
	require.NoError(t, err)
	assert.Equal(t, r.Server, cfg.Host)
	assert.Equal(t, r.CAData, cfg.CAData)
	assert.Equal(t, r.CertData, cfg.CertData)
	assert.Equal(t, r.KeyData, cfg.KeyData)

	r.Fleet, r.Labels = "", nil
	s, err = ClusterAPI{Namespace: "capi-system"}.Secret(r)
	require.NoError(t, err)
	assert.Equal(t, "capi-system", *s.Namespace)
	assert.NotContains(t, s.Labels, LabelFleet, "no fleet, no fleet label")
}

func TestExporterNames(t *testing.T) {
	for _, e := range []Exporter{ArgoCD{}, ClusterAPI{}} {
		assert.NotEmpty(t, e.Name())
	}
	assert.Equal(t, "argocd", ArgoCD{}.Name())
	assert.Equal(t, "clusterapi", ClusterAPI{}.Name())
}
