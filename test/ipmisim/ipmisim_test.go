package ipmisim_test

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/ipmisim"
	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
)

func TestPowerAndBootDevice(t *testing.T) {
	b := ipmisim.Start(t, 1, "sim", ipmisim.Options{})[0]
	run := func(args ...string) string {
		out, err := b.IPMITool(t.Context(), ipmisim.Password, args...)
		require.NoError(t, err)
		return out
	}
	assert.Contains(t, run("chassis", "power", "status"), "Chassis Power is off")
	run("chassis", "bootdev", "pxe")
	run("chassis", "power", "on")
	assert.Contains(t, run("chassis", "power", "status"), "Chassis Power is on")
	assert.Contains(t, run("chassis", "bootparam", "get", "5"), "Force PXE")
	st, err := b.State()
	require.NoError(t, err)
	assert.Equal(t, 1, st.Power)
	assert.Equal(t, "pxe", st.BootAtPowerOn)
	assert.Equal(t, 1, st.MaxActive, "one chassis call at a time")

	run("chassis", "power", "reset")
	run("chassis", "power", "cycle")
	run("chassis", "power", "soft")
	assert.Contains(t, run("chassis", "power", "status"), "Chassis Power is off")
	st, err = b.State()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, st.Calls, 8)
}

func TestFaults(t *testing.T) {
	t.Run("ignore-power", func(t *testing.T) {
		b := ipmisim.Start(t, 1, "ign", ipmisim.Options{Fault: simstate.FaultIgnorePower})[0]
		out, err := b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "on")
		require.NoError(t, err, "the BMC accepts the command")
		assert.Contains(t, out, "Up/On")
		out, err = b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "status")
		require.NoError(t, err)
		assert.Contains(t, out, "is off", "and does nothing")
	})
	t.Run("slow", func(t *testing.T) {
		b := ipmisim.Start(t, 1, "slow", ipmisim.Options{Fault: simstate.FaultSlow, Slow: 700 * time.Millisecond})[0]
		start := time.Now()
		_, err := b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "status")
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 700*time.Millisecond)
	})
	t.Run("wrong password", func(t *testing.T) {
		b := ipmisim.Start(t, 1, "pw", ipmisim.Options{Password: "another-password"})[0]
		_, err := b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "status")
		require.Error(t, err)
	})
	t.Run("drops off", func(t *testing.T) {
		b := ipmisim.Start(t, 1, "drop", ipmisim.Options{})[0]
		require.NoError(t, b.Stop())
		_, err := b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "status")
		require.Error(t, err)
		require.NoError(t, b.Cont())
		b.WaitReady(t)
	})
}

// TestQEMUHook proves that power on starts the node's QEMU process and
// power off kills it; a QEMU that exits on its own reads as power off.
func TestQEMUHook(t *testing.T) {
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	// -S: created paused, no firmware runs; enough to prove start/stop.
	b := ipmisim.Start(t, 1, "vm", ipmisim.Options{QEMU: []string{qemu, "-machine", "q35", "-accel", "tcg",
		"-m", "64", "-display", "none", "-vga", "none", "-nodefaults", "-no-user-config", "-S"}})[0]
	_, err = b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "on")
	require.NoError(t, err)
	st, err := b.State()
	require.NoError(t, err)
	require.NotZero(t, st.QEMUPID)
	pid := st.QEMUPID
	require.True(t, processAlive(pid), "QEMU runs after power on")

	_, err = b.IPMITool(t.Context(), ipmisim.Password, "chassis", "power", "off")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !processAlive(pid) }, 5*time.Second, 20*time.Millisecond,
		"QEMU stops at power off")
}
