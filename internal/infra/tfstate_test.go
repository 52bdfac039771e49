package infra_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

// backendDir is a root module whose state lives in the appliance's http
// backend; its apply holds the lock while a provisioner runs until the file
// release exists.
func backendDir(t *testing.T, a *acctest.Appliance, release string) string {
	dir := t.TempDir()
	url := a.URL + "/api/v1/tfstate/shared"
	cfg := `terraform {
  backend "http" {
    address        = "` + url + `"
    lock_address   = "` + url + `"
    unlock_address = "` + url + `"
    username       = "ci"
    password       = "` + a.Token + `"
  }
}
resource "terraform_data" "x" {
  input = "v1"
  provisioner "local-exec" {
    command = "while [ ! -e ` + release + ` ]; do sleep 0.05; done"
  }
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600))
	return dir
}

func terraform(ctx context.Context, t *testing.T, a *acctest.Appliance, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, acctest.Terraform(t), append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"TF_HTTP_CLIENT_CA_CERTIFICATE_PEM="+string(a.CAPEM), "TF_CLI_CONFIG_FILE="+acctest.CLIConfig(t, t.TempDir()))
	return cmd
}

// TestHTTPBackendLocking: two terraform applies on one state in the
// appliance's http backend. The second fails naming the holder; with
// -lock-timeout it waits and then succeeds. The state is versioned and
// encrypted at rest.
func TestHTTPBackendLocking(t *testing.T) {
	acctest.Terraform(t)
	a := acctest.Start(t, nil)
	ctx := t.Context()
	release := filepath.Join(t.TempDir(), "release")
	one, two := backendDir(t, a, release), backendDir(t, a, release)
	for _, d := range []string{one, two} {
		out, err := terraform(ctx, t, a, d, "init").CombinedOutput()
		require.NoError(t, err, string(out))
	}

	first := terraform(ctx, t, a, one, "apply", "-auto-approve")
	var firstOut strings.Builder
	first.Stdout, first.Stderr = &firstOut, &firstOut
	require.NoError(t, first.Start())
	t.Cleanup(func() { _ = first.Process.Kill(); _ = first.Wait() })
	require.Eventually(t, func() bool {
		_, err := a.Client.TFStateLock(ctx, "shared")
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, "first apply never took the lock")

	out, err := terraform(ctx, t, a, two, "apply", "-no-color", "-auto-approve", "-lock-timeout=0s").CombinedOutput()
	require.Error(t, err)
	assert.Regexp(t, `(?s)HTTP remote state already locked:\s+ID=[0-9a-f-]+ \(held by token:admin\s+\(\S+,\s+OperationTypeApply\)`, string(out))

	waiting := terraform(ctx, t, a, two, "apply", "-auto-approve", "-lock-timeout=60s")
	var waitOut strings.Builder
	waiting.Stdout, waiting.Stderr = &waitOut, &waitOut
	require.NoError(t, waiting.Start())
	require.NoError(t, os.WriteFile(release, nil, 0o600))
	require.NoError(t, first.Wait(), firstOut.String())
	require.NoError(t, waiting.Wait(), waitOut.String())
	assert.Contains(t, waitOut.String(), "Apply complete!")

	_, err = a.Client.TFStateLock(ctx, "shared")
	assert.True(t, api.IsStatus(err, 404), "lock released: %v", err)
	st, err := a.Client.GetTFState(ctx, "shared")
	require.NoError(t, err)
	assert.Contains(t, string(st), `"terraform_data"`)
	raw, err := os.ReadFile(filepath.Join(a.DataDir, "slipway.db"))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "terraform_data", "state is encrypted at rest")
}

// TestForceUnlock: a lock left behind is released by an admin.
func TestForceUnlock(t *testing.T) {
	a := acctest.Start(t, nil)
	ctx := t.Context()
	require.NoError(t, a.Client.PutTFState(ctx, "s", []byte(`{"version":4,"serial":1,"lineage":"l"}`)))
	// Take the lock as terraform does and walk away.
	req := `{"ID":"abc","Operation":"OperationTypeApply","Who":"ci@runner"}`
	code := rawRequest(t, a, "LOCK", "/api/v1/tfstate/s", req)
	require.Equal(t, 200, code)
	require.Equal(t, 423, rawRequest(t, a, "LOCK", "/api/v1/tfstate/s", `{"ID":"def"}`))
	require.Equal(t, 423, rawRequest(t, a, "POST", "/api/v1/tfstate/s?ID=def", `{"version":4,"serial":2,"lineage":"l"}`))
	require.NoError(t, a.Client.ForceUnlockTFState(ctx, "s"))
	require.Equal(t, 200, rawRequest(t, a, "LOCK", "/api/v1/tfstate/s", `{"ID":"def"}`))
}
