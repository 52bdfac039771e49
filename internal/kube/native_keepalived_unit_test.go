package kube

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// debianKeepalivedUnit is the unit Debian's keepalived package installs.
const debianKeepalivedUnit = "/lib/systemd/system/keepalived.service"

// TestNativeKeepalivedUnit has systemd's own systemd-analyze evaluate the
// conditions of Debian's keepalived.service on a node as its bundle leaves
// /etc/keepalived (keepalived.conf.in, no keepalived.conf yet). Debian's
// unit alone is skipped there: its conditions are checked before the
// drop-in's ExecStartPre can write keepalived.conf. With the drop-in it
// starts.
func TestNativeKeepalivedUnit(t *testing.T) {
	requireKeepalived(t)
	netns.RequireTool(t, "systemd-analyze", "unshare", "mount")
	debian, err := os.ReadFile(debianKeepalivedUnit)
	require.NoError(t, err, "Debian's keepalived package installs its unit")
	fs, err := RenderNode(threeVIP(), "cp-a")
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		dropin bool
		pass   bool
	}{
		{"debian's unit alone", false, false},
		{"with slipway's drop-in", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "keepalived.service"), debian, 0o644))
			if tc.dropin {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "keepalived.service.d"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "keepalived.service.d", "slipway.conf"),
					fs["/etc/systemd/system/keepalived.service.d/slipway.conf"].Data, 0o644))
			}
			out, err := unitConditions(t, dir, fs["/etc/keepalived/keepalived.conf.in"].Data)
			if tc.pass {
				require.NoError(t, err, out)
				assert.Contains(t, out, "Conditions succeeded.")
				return
			}
			require.Error(t, err, out)
			assert.Contains(t, out, "ConditionFileNotEmpty=/etc/keepalived/keepalived.conf failed.")
		})
	}
}

// unitConditions evaluates keepalived.service from unitDir with
// systemd-analyze, in a private mount namespace whose /etc/keepalived holds
// only keepalived.conf.in with contents in.
func unitConditions(t *testing.T, unitDir string, in []byte) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
		"mount -t tmpfs slipway-test /etc/keepalived && cat > /etc/keepalived/keepalived.conf.in && "+
			"exec systemd-analyze condition --unit=keepalived.service")
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+unitDir)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
