package infra_test

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cli"
	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

func slipway(t *testing.T, a *acctest.Appliance, args ...string) (string, error) {
	var out, errb bytes.Buffer
	err := cli.Execute(t.Context(), cli.Env{Args: args, Stdout: &out, Stderr: &errb,
		Environ: []string{"SLIPWAY_SERVER=" + a.URL, "SLIPWAY_TOKEN=" + a.Token, "SLIPWAY_CA_FILE=" + a.CAFile,
			"SLIPWAY_CLIENT_CONFIG=" + t.TempDir() + "/client.yaml"}})
	return out.String() + errb.String(), err
}

// TestSiteCLI: `slipway plan site` prints the diff and the plan ID;
// `slipway apply site --plan` applies it; applying it again is refused.
func TestSiteCLI(t *testing.T) {
	a := siteAppliance(t, -1)
	out, err := slipway(t, a, "plan", "site", "lab")
	require.NoError(t, err, out)
	assert.Contains(t, out, `+ module.site.slipway_network.lab (create)`)
	assert.Contains(t, out, "Plan: 5 to add, 0 to change, 0 to destroy.")
	m := regexp.MustCompile(`slipway apply site lab --plan (plan-[0-9a-f]+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)

	out, err = slipway(t, a, "apply", "site", "lab", "--plan", m[1])
	require.NoError(t, err, out)
	assert.Contains(t, out, "Applied plan "+m[1]+" to site lab")

	out, err = slipway(t, a, "apply", "site", "lab", "--plan", m[1])
	require.Error(t, err)
	assert.Contains(t, out, "is applied")

	out, err = slipway(t, a, "plan", "site", "nope")
	require.Error(t, err)
	assert.Contains(t, out, "site nope: not found")
}
