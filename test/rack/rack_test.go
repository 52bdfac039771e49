package rack_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/test/rack"
	"github.com/slipway-dev/slipway/test/vm"
)

// TestPowerOnNetbootsToScript proves the harness: each machine, put in
// inspecting through the API, is set to boot from the network and powered
// on through the appliance's BMC action (`slipway bootdev`, `slipway power
// on`), netboots through the appliance's DHCP (and TFTP for UEFI) to its
// boot script and the agent kernel (here a test initramfs that prints a
// marker); power off through ipmitool (a person at the rack) stops QEMU.
func TestPowerOnNetbootsToScript(t *testing.T) {
	bin := rack.Require(t)
	vm.Require(t)
	boot, err := vm.BuildBoot(t.TempDir())
	require.NoError(t, err)
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: boot.Dir})
	c, err := r.Client()
	require.NoError(t, err)
	ctx := t.Context()

	out, err := r.CLI(ctx, "get", "machines")
	require.NoError(t, err)
	for _, v := range r.VMs {
		assert.Contains(t, out, v.Name)
	}
	var report []string
	for _, v := range r.VMs {
		t.Run(v.Name, func(t *testing.T) {
			_, err := c.Action(ctx, v.Name, api.ActionRequest{Action: "inspect"})
			require.NoError(t, err)
			_, err = r.CLI(ctx, "bootdev", v.Name, "pxe")
			require.NoError(t, err)
			start := time.Now()
			_, err = r.CLI(ctx, "power", "on", v.Name)
			require.NoError(t, err)
			assert.True(t, v.Running(), "QEMU runs after power on")
			script := waitEvent(t, c, v.Name, "boot.script", 3*time.Minute)
			marker := waitSerial(t, v, regexp.MustCompile(vm.Marker+` mac=(\S+)`), 3*time.Minute)
			assert.Equal(t, v.MAC, marker[1], "the kernel saw the machine's NIC")
			assert.Contains(t, v.Boots(), "boot=pxe", "the BMC's boot device reached QEMU")
			report = append(report, fmt.Sprintf("  %s %-4s power on → boot.script %5.1f s, → agent kernel running %5.1f s",
				v.Name, v.Firmware, script.Sub(start).Seconds(), time.Since(start).Seconds()))

			_, err = r.IPMITool(ctx, v.Name, "chassis", "power", "off")
			require.NoError(t, err)
			require.Eventually(t, func() bool { return !v.Running() }, 15*time.Second, 50*time.Millisecond)
			st, err := v.State()
			require.NoError(t, err)
			assert.Equal(t, 0, st.Power)
			assert.Equal(t, "pxe", st.BootAtPowerOn)
		})
	}
	fmt.Printf("\nVirtual rack (QEMU TCG, 1 vCPU, 1 GiB), through the appliance's BMC, DHCP, TFTP and boot HTTP:\n%s\n",
		strings.Join(report, "\n"))
}

// TestBootDeviceDiskFirst: with boot device disk (`ipmitool chassis bootdev
// disk` arrives as "default") QEMU starts with the disk first; an empty
// disk falls through to the network, as on real hardware.
func TestBootDeviceDiskFirst(t *testing.T) {
	bin := rack.Require(t)
	r := rack.New(t, rack.Config{Slipway: bin, Machines: rack.Machines(1, "bios")})
	v := r.VMs[0]
	ctx := t.Context()
	_, err := r.IPMITool(ctx, v.Name, "chassis", "bootdev", "disk")
	require.NoError(t, err)
	_, err = r.IPMITool(ctx, v.Name, "chassis", "power", "on")
	require.NoError(t, err)
	require.Eventually(t, v.Running, 10*time.Second, 50*time.Millisecond)
	assert.Contains(t, v.Boots(), "boot=default")
	_, err = r.IPMITool(ctx, v.Name, "chassis", "bootdev", "pxe")
	require.NoError(t, err)
	_, err = r.IPMITool(ctx, v.Name, "chassis", "power", "reset")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(v.Boots(), "boot=pxe") && v.Running() },
		10*time.Second, 50*time.Millisecond, "reset restarts QEMU with the new boot device:\n%s", v.Boots())
	assert.Equal(t, 2, strings.Count(v.Boots(), "boot="), v.Boots())
}

// waitEvent polls the machine's events until one of type typ appears and
// returns its time.
func waitEvent(t *testing.T, c *api.Client, machine, typ string, timeout time.Duration) time.Time {
	t.Helper()
	var at time.Time
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		evs, err := c.Events(ctx, api.EventQuery{Machine: machine, Type: typ})
		if err != nil || len(evs.Items) == 0 {
			return false
		}
		at = evs.Items[0].Time
		return true
	}, timeout, 200*time.Millisecond, "%s: no %s event", machine, typ)
	return at
}

func waitSerial(t *testing.T, v *rack.VM, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	var m []string
	require.Eventually(t, func() bool {
		m = re.FindStringSubmatch(v.SerialLog())
		return m != nil
	}, timeout, 200*time.Millisecond, "%s: no %s on the serial console", v.Name, re)
	return m
}
