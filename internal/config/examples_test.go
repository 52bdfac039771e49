package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunConfigIsValid: the configuration `make run` serves with validates
// as make passes it (from the repository root, terraform named by env).
func TestRunConfigIsValid(t *testing.T) {
	t.Chdir("../..")
	c, err := Load("deploy/examples/run.yaml", []string{"SLIPWAY_INFRA_TERRAFORM=/bin/sh"})
	require.NoError(t, err)
	c.DataDir = t.TempDir()
	require.NoError(t, c.Validate())
	require.Len(t, c.Infra.Sites, 1)
	assert.Equal(t, "r2", c.Infra.Sites[0].Name)
}
