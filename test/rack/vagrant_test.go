package rack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/config"
)

// The Vagrant appliance's configuration loads and validates.
func TestVagrantApplianceConfig(t *testing.T) {
	c, err := config.Load(filepath.Join(RepoRoot(), "deploy", "examples", "rack", "vagrant.yaml"), nil)
	require.NoError(t, err)
	require.Equal(t, "198.18.0.1:8080", c.Netboot.HTTPListen)
}

// The Vagrantfile is valid for Vagrant with the libvirt provider (whose
// options are checked too; box-less PXE machines need it).
func TestVagrantfileValidates(t *testing.T) {
	if _, err := exec.LookPath("vagrant"); err != nil {
		t.Skip("vagrant is not installed (Debian packages vagrant and vagrant-libvirt)")
	}
	env := append(os.Environ(), "VAGRANT_HOME="+t.TempDir(), "VAGRANT_CHECKPOINT_DISABLE=1", "VAGRANT_DEFAULT_PROVIDER=libvirt")
	vagrant := func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), "vagrant", args...)
		cmd.Dir, cmd.Env = RepoRoot(), env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	plugins, err := vagrant("plugin", "list")
	require.NoError(t, err, plugins)
	if !strings.Contains(plugins, "vagrant-libvirt") {
		t.Skip("the vagrant-libvirt plugin is not installed (Debian package vagrant-libvirt)")
	}
	out, err := vagrant("validate")
	require.NoError(t, err, "vagrant validate:\n%s", out)
	require.Contains(t, out, "validated successfully")
}
