package kube

import (
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestBootstrapRBACGolden(t *testing.T) {
	var out []byte
	for _, b := range BootstrapRBAC() {
		y, err := yaml.Marshal(b)
		require.NoError(t, err)
		out = append(append(out, "---\n"...), y...)
	}
	golden(t, "rbac/bootstrap.yaml", out)
}
