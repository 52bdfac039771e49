package ipmisim_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/ipmisim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestConfigWrite(t *testing.T) {
	dir := t.TempDir()
	c := ipmisim.Config{Name: "node-1", Addr: "198.18.0.1", Port: 6231, ChassisControl: "/bin/rackvm chassis /m/node-1",
		User: "admin", Password: "s3cret"}
	args, err := c.Write(dir, "/m/node-1/bmc-state")
	require.NoError(t, err)
	lan, emu := filepath.Join(dir, "lan.conf"), filepath.Join(dir, "node.emu")
	assert.Equal(t, []string{"-c", lan, "-f", emu, "-s", "/m/node-1/bmc-state", "-n"}, args)
	for _, name := range []string{"lan.conf", "node.emu"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		golden := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(golden, got, 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%s (go test -update rewrites it)", name)
	}
}

func TestConfigWriteNoDir(t *testing.T) {
	_, err := ipmisim.Config{Name: "x"}.Write(filepath.Join(t.TempDir(), "missing"), "state")
	require.ErrorContains(t, err, "lan.conf")
}
