package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/ipmisim"
	"github.com/slipway-dev/slipway/test/redfish"
)

const bmcSite = `apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: lab-bmc}
spec: {type: bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: rf-bmc}
spec: {type: bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u07}
spec:
  mac: "52:54:00:77:00:07"
  bmc: {address: "%s", credentialsRef: lab-bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u08}
spec:
  mac: "52:54:00:77:00:08"
  bmc: {address: "%s", credentialsRef: rf-bmc}
`

// TestPowerAndBootdevFlow is the closing flow on a real appliance:
// `slipway bootdev r1-u07 pxe && slipway power on r1-u07` against an
// ipmi_sim BMC whose power on starts the node's QEMU process with network
// boot next, then the same over Redfish (the FAKE) with virtual media.
func TestPowerAndBootdevFlow(t *testing.T) {
	ipmisim.Skip(t)
	var qemu []string
	if bin, err := exec.LookPath("qemu-system-x86_64"); err == nil {
		qemu = []string{bin, "-machine", "q35", "-accel", "tcg", "-m", "64", "-display", "none", "-vga", "none",
			"-nodefaults", "-no-user-config", "-S"}
	}
	sim := ipmisim.Start(t, 1, "r1-u07", ipmisim.Options{QEMU: qemu})[0]
	rf := redfish.New(false, "root", "fake-redfish-pw")
	t.Cleanup(rf.Close)

	ta := startAppliance(t)
	ta.login(t)
	dir := t.TempDir()
	rfAddr := "redfish+http://" + strings.TrimPrefix(rf.URL(), "http://")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site.yaml"), fmt.Appendf(nil, bmcSite, sim.Address(), rfAddr), 0o600))
	r := ta.run(t, "", "apply", "-f", dir)
	require.NoError(t, r.err, r.stderr)
	r = ta.run(t, ipmisim.Password+"\n", "create", "credentials", "lab-bmc", "--username", ipmisim.Username, "--password-stdin")
	require.NoError(t, r.err, r.stderr)
	r = ta.run(t, "fake-redfish-pw\n", "create", "credentials", "rf-bmc", "--username", "root", "--password-stdin")
	require.NoError(t, r.err, r.stderr)

	t.Run("ipmi", func(t *testing.T) {
		r := ta.run(t, "", "bootdev", "r1-u07", "pxe")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "r1-u07: bootdev pxe: succeeded\n", r.stdout)
		r = ta.run(t, "", "power", "on", "r1-u07")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "r1-u07: power on: succeeded\n", r.stdout)

		st, err := sim.State()
		require.NoError(t, err)
		assert.Equal(t, 1, st.Power)
		assert.Equal(t, "pxe", st.BootAtPowerOn, "powered on with network boot next")
		if qemu != nil {
			assert.NotZero(t, st.QEMUPID, "the node's QEMU process started")
		}
		r = ta.run(t, "", "events", "--machine", "r1-u07")
		require.NoError(t, r.err, r.stderr)
		for _, want := range []string{"bootdev.set", "operation.succeeded", "power.requested", "power.verified", "power is on (verified"} {
			assert.Contains(t, r.stdout, want)
		}
		r = ta.run(t, "", "get", "machines")
		require.NoError(t, r.err, r.stderr)
		assert.Regexp(t, `r1-u07\s.*\bon\b`, r.stdout)
	})

	t.Run("redfish with virtual media", func(t *testing.T) {
		r := ta.run(t, "", "bootdev", "r1-u08", "cdrom", "--legacy")
		require.NoError(t, r.err, r.stderr)
		r = ta.run(t, "", "media", "insert", "r1-u08", "http://127.0.0.1:8080/boot.iso")
		require.NoError(t, r.err, r.stderr)
		r = ta.run(t, "", "power", "on", "r1-u08")
		require.NoError(t, r.err, r.stderr)
		st := rf.State()
		assert.Equal(t, "On", st.Power)
		assert.Equal(t, "Cd", st.BootTarget)
		assert.Equal(t, "Legacy", st.BootMode)
		assert.Equal(t, "http://127.0.0.1:8080/boot.iso", st.MediaImage)
		r = ta.run(t, "", "events", "--machine", "r1-u08")
		require.NoError(t, r.err, r.stderr)
		for _, want := range []string{"bootdev.set", "media.inserted", "power.verified"} {
			assert.Contains(t, r.stdout, want)
		}
	})

	t.Run("a failure is reported per machine with a non-zero exit", func(t *testing.T) {
		rf.SetFault(redfish.FaultIgnorePower, 0)
		start := time.Now()
		r := ta.run(t, "", "power", "off", "r1-u07", "r1-u08", "--timeout", "2m")
		assert.Equal(t, 1, r.code())
		assert.Contains(t, r.stdout, "r1-u07: power off: succeeded\n")
		assert.Contains(t, r.stdout, "r1-u08: power off: failed: BMC accepted power off but the machine is still on after 30s")
		assert.Contains(t, r.stderr, "1 of 2 machines failed")
		assert.Less(t, time.Since(start), time.Minute)
	})
	assert.NotContains(t, ta.logs.String(), ipmisim.Password)
	assert.NotContains(t, ta.logs.String(), "fake-redfish-pw")
}
