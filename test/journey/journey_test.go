package journey

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/rack"
)

// activeTimeout bounds one machine's journey under TCG (target: about a
// minute; the Debian image takes longer).
const activeTimeout = 4 * time.Minute

// TestJourneyBIOSAndUEFI: r1-u05 (BIOS) and r1-u06 (UEFI), powered off,
// are provisioned with `slipway provision` and end active, booted from
// their disks with the tiny image; each phase of the timeline has a
// duration.
func TestJourneyBIOSAndUEFI(t *testing.T) {
	bin := rack.Require(t)
	img := rack.RequireImages(t, "tiny")
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img})
	ctx := t.Context()
	start := time.Now()
	_, err := r.CLI(ctx, "provision", "r1-u05", "r1-u06")
	require.NoError(t, err)
	for _, v := range r.VMs {
		t.Run(v.Name, func(t *testing.T) {
			_, err := WaitState(ctx, r, v.Name, activeTimeout, "active")
			require.NoError(t, err)
			t.Logf("%s (%s): provision → active in %s", v.Name, v.Firmware, time.Since(start).Round(100*time.Millisecond))
			out, err := r.CLI(ctx, "describe", "machine", v.Name)
			require.NoError(t, err)
			rows := Timeline(out)
			for _, p := range Phases {
				if p == "TFTP" && v.Firmware == "bios" {
					continue // QEMU's iPXE ROM: no TFTP step
				}
				assert.Equal(t, "done", rows[p].Status, "phase %s in:\n%s", p, out)
				assert.Positive(t, rows[p].Took, "phase %s has no duration in:\n%s", p, out)
			}
			boots := v.Boots()
			assert.Contains(t, boots, "boot=pxe", "netbooted first")
			assert.Regexp(t, `boot=default[^\n]*\n?$`, boots, "the last start booted from the disk")
			t.Logf("slipway describe machine %s:\n%s", v.Name, out)
		})
	}
	if t.Failed() {
		return
	}
	dir, err := ScreenshotDir()
	require.NoError(t, err)
	files, err := Screenshots(ctx, r, dir, "r1-u05", "r1-u06")
	if os.Getenv("SLIPWAY_TEST_BROWSER") == "require" {
		require.NoError(t, err)
	} else if err != nil {
		t.Logf("no UI screenshots: %v", err)
	}
	t.Logf("UI screenshots of the real journey: %v", files)
}

// TestJourneyDebian installs the Debian image (2 GiB RAM, 8 GiB disk) on
// one UEFI machine and reports the time (SLIPWAY_VM_DEBIAN=1).
func TestJourneyDebian(t *testing.T) {
	if os.Getenv("SLIPWAY_VM_DEBIAN") != "1" {
		t.Skip("set SLIPWAY_VM_DEBIAN=1 to install the Debian image (make images-debian)")
	}
	bin := rack.Require(t)
	img := rack.RequireImages(t, "debian")
	m := rack.MachineAt(5, "uefi")
	m.DiskGiB, m.MemoryMiB = 8, 2048
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img, Machines: []rack.Machine{m}})
	start := time.Now()
	_, err := r.CLI(t.Context(), "provision", m.Name)
	require.NoError(t, err)
	_, err = WaitState(t.Context(), r, m.Name, 15*time.Minute, "active")
	require.NoError(t, err)
	out, _ := r.CLI(t.Context(), "describe", "machine", m.Name)
	fmt.Printf("\nDebian image journey (UEFI, TCG, 2 GiB, 8 GiB disk): provision → active %.1f s\n%s\n",
		time.Since(start).Seconds(), out)
}

// TestApplianceKilledDuringInstall: kill -9 of the appliance while the
// agent installs, then a restart; the machine ends active, or failed with
// a reason, never stuck in provisioning.
func TestApplianceKilledDuringInstall(t *testing.T) {
	bin := rack.Require(t)
	img := rack.RequireImages(t, "tiny")
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img, Machines: rack.Machines(1, "bios")})
	ctx := t.Context()
	name := r.VMs[0].Name
	_, err := r.CLI(ctx, "provision", name)
	require.NoError(t, err)
	require.NoError(t, WaitEvent(ctx, r, name, "install.started", activeTimeout))
	r.KillAppliance()
	require.NoError(t, r.StartAppliance(ctx))
	m, err := WaitState(ctx, r, name, activeTimeout, "active", "failed")
	require.NoError(t, err)
	if m.State == "failed" {
		assert.NotEmpty(t, m.StateReason, "a failed machine says why")
		assert.NotEmpty(t, m.FailedStage, "a failed machine says in which stage")
	}
	t.Logf("%s after the appliance was killed during the install: %s %s %s", name, m.State, m.FailedStage, m.StateReason)
}

// TestDuplicateMACClaimRefused: a second VM with r1-u05's MAC netboots
// while r1-u05 is provisioned; the second agent's claim is refused and an
// agent.claim-refused event is on r1-u05's timeline.
func TestDuplicateMACClaimRefused(t *testing.T) {
	bin := rack.Require(t)
	rack.RequireImages(t, "tiny") // the agent is built
	img := slowImage(t)           // the install lasts long enough for the twin to reach its agent
	twin := rack.MachineAt(9, "bios")
	twin.MAC, twin.Undeclared = rack.MachineAt(5, "bios").MAC, true
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img,
		Machines: []rack.Machine{rack.MachineAt(5, "bios"), twin}})
	ctx := t.Context()
	_, err := r.CLI(ctx, "provision", "r1-u05")
	require.NoError(t, err)
	require.NoError(t, WaitEvent(ctx, r, "r1-u05", "agent.claimed", activeTimeout))
	for _, args := range [][]string{{"chassis", "bootdev", "pxe"}, {"chassis", "power", "on"}} {
		_, err := r.IPMITool(ctx, twin.Name, args...) // the twin is not Slipway's: a person powers it on
		require.NoError(t, err)
	}
	require.NoError(t, WaitEvent(ctx, r, "r1-u05", "agent.claim-refused", activeTimeout))
	out, err := r.CLI(ctx, "events", "--machine", "r1-u05", "--type", "agent.claim-refused")
	require.NoError(t, err)
	assert.True(t, strings.Contains(out, "agent.claim-refused"), out)
}

// TestInspectThenDeprovision: an inspection alone ends ready and powered
// off; a provisioned machine that is deprovisioned netboots the agent, which
// wipes its disk (the image's boot sector is gone) and it is ready again.
func TestInspectThenDeprovision(t *testing.T) {
	bin := rack.Require(t)
	img := rack.RequireImages(t, "tiny")
	r := rack.New(t, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img, Machines: rack.Machines(1, "bios")})
	ctx := t.Context()
	v := r.VMs[0]
	_, err := r.CLI(ctx, "inspect", v.Name, "--wait", "--timeout", activeTimeout.String())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !v.Running() }, time.Minute, time.Second, "the agent powers off after inspecting")

	_, err = r.CLI(ctx, "provision", v.Name, "--wait", "--timeout", activeTimeout.String())
	require.NoError(t, err)
	require.Equal(t, []byte{0x55, 0xaa}, bootSignature(t, v.Disk), "the installed image has an MBR")

	_, err = r.CLI(ctx, "deprovision", v.Name, "--wait", "--timeout", activeTimeout.String())
	require.NoError(t, err)
	m, err := Machine(ctx, r, v.Name)
	require.NoError(t, err)
	assert.Equal(t, "ready", m.State)
	assert.Equal(t, []byte{0, 0}, bootSignature(t, v.Disk), "the wipe cleared the first MiB")
	require.NoError(t, WaitEvent(ctx, r, v.Name, "install.wiped", time.Second))
}

// bootSignature is bytes 510-511 of the disk file (0x55 0xaa on an MBR).
func bootSignature(t *testing.T, disk string) []byte {
	t.Helper()
	f, err := os.Open(disk)
	require.NoError(t, err)
	defer f.Close()
	b := make([]byte, 2)
	_, err = f.ReadAt(b, 510)
	require.NoError(t, err)
	return b
}

// slowImage is a 1 GiB raw image of zeros (gzip: a megabyte to serve), whose
// install under TCG takes a minute or more (decompressing, writing and
// reading 1 GiB back): the duplicate-MAC twin reaches its agent meanwhile.
func slowImage(t *testing.T) rack.Image {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slow.raw.gz")
	f, err := os.Create(path)
	require.NoError(t, err)
	h := sha256.New()
	zw, err := gzip.NewWriterLevel(io.MultiWriter(f, h), gzip.BestSpeed)
	require.NoError(t, err)
	zero := make([]byte, 1<<20)
	for range 1024 {
		_, err = zw.Write(zero)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	return rack.Image{Name: "slow", File: path, Format: "raw.gz", SHA256: hex.EncodeToString(h.Sum(nil))}
}
