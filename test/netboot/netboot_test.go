// Package netboot is the slow tier of the netboot suite: real virtual
// machines (QEMU TCG) netbooting through the real appliance in a network
// namespace the test creates. A BIOS node boots QEMU's iPXE ROM (already
// iPXE: DHCP → HTTP script); a UEFI node boots OVMF's own PXE (DHCP → TFTP
// snponly.efi → iPXE → DHCP → HTTP script). Both are in state inspecting,
// so the script boots the agent kernel and initrd, here Debian's kernel and
// a test initramfs that prints a marker on the serial console.
//
// Gated by SLIPWAY_VM=1 (make e2e-netboot sets it), root and SLIPWAY_BIN.
package netboot

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/test/harness"
	"github.com/slipway-dev/slipway/test/netns"
	"github.com/slipway-dev/slipway/test/vm"
)

const (
	bridge   = "slipway0"
	applAddr = "198.18.0.1"
	// bootTimeout bounds one boot; measured BIOS ~10 s, UEFI native PXE
	// ~20 s on an idle core (../../shared/notes/lab.md), more when shared.
	bootTimeout = 3 * time.Minute
)

var nodes = []vm.Node{
	{Name: "bios-1", MAC: "52:54:00:5b:00:01"},
	{Name: "uefi-1", MAC: "52:54:00:5b:00:02", UEFI: true},
}

func inventory() string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec:
  mode: full
  interface: %s
  subnet: 198.18.0.0/24
  gateway: %s
  leaseTime: 1h
`, bridge, applAddr)
	for i, n := range nodes {
		fmt.Fprintf(&b, `---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: %s}
spec: {mac: "%s", network: lab, ip: 198.18.0.%d}
`, n.Name, n.MAC, 11+i)
	}
	return b.String()
}

func gate(t *testing.T) string {
	t.Helper()
	if os.Getenv("SLIPWAY_VM") != "1" {
		t.Skip("set SLIPWAY_VM=1 to boot QEMU nodes (make e2e-netboot)")
	}
	netns.Require(t)
	vm.Require(t)
	return vm.Binary(t)
}

// TestNetbootBIOSAndUEFI boots one node of each kind, one at a time (TCG
// takes a whole core), and checks each step of their boot timelines.
func TestNetbootBIOSAndUEFI(t *testing.T) {
	bin := gate(t)
	boot, err := vm.BuildBoot(t.TempDir())
	require.NoError(t, err)

	lab := netns.New(t)
	srv := lab.Host("srv")
	for _, args := range [][]string{
		{"link", "add", bridge, "type", "bridge"},
		{"addr", "add", applAddr + "/24", "dev", bridge},
		{"link", "set", bridge, "up"},
	} {
		out, err := srv.Run(t.Context(), "ip", args...)
		require.NoError(t, err, out)
	}
	vm.AdvertiseRouter(t, srv, bridge)                    // or iPXE waits ~13 s for IPv6 autoconfiguration
	if pcap := os.Getenv("SLIPWAY_VM_PCAP"); pcap != "" { // debugging: capture the boot network
		netns.RequireTool(t, "tcpdump")
		srv.Start(t, "tcpdump", "-i", bridge, "-U", "-w", pcap)
	}
	a := vm.StartAppliance(t, srv, bin, vm.Site{Addr: applAddr, AgentDir: boot.Dir, Inventory: inventory()})
	c := a.Client()
	for _, n := range nodes {
		_, err := c.Action(t.Context(), n.Name, api.ActionRequest{Action: "inspect"})
		require.NoError(t, err, n.Name)
		require.Eventually(t, func() bool {
			d, err := c.Machine(t.Context(), n.Name)
			return err == nil && d.Machine.State == "inspecting"
		}, 10*time.Second, 100*time.Millisecond, "%s never reached inspecting", n.Name)
	}

	times := map[string]time.Duration{}
	cli := a.CLI()
	for _, n := range nodes {
		t.Run(n.Name, func(t *testing.T) {
			times[n.Name] = bootNode(t, srv, n)
			checkTimeline(t, c, cli, n)
			if t.Failed() || os.Getenv("SLIPWAY_VM_DEBUG") == "1" {
				t.Logf("appliance log:\n%s", a.Proc.Output())
			}
		})
	}
	fmt.Printf("\nNetboot (QEMU TCG, 1 vCPU, 512 MiB; power-on → test initramfs marker):\n")
	for _, n := range nodes {
		fmt.Printf("  %-7s %-46s %6.1f s\n", n.Name, firmware(n), times[n.Name].Seconds())
	}
}

// bootNode powers n on and waits for the test initramfs's marker.
func bootNode(t *testing.T, srv *netns.Host, n vm.Node) time.Duration {
	r := vm.Start(t, srv, bridge, n)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("SLIPWAY_VM_DEBUG") == "1" {
			t.Logf("%s serial console:\n%s", n.Name, r.Log())
		}
	})
	mac, took := r.WaitMarker(t, bootTimeout)
	r.Kill()
	assert.Equal(t, n.MAC, mac, "the marker names the NIC the kernel saw")
	t.Logf("%s (%s): power-on → initramfs marker in %s", n.Name, firmware(n), took.Round(10*time.Millisecond))
	return took
}

// checkTimeline requires each boot step among the machine's events and in
// what `slipway describe machine` prints.
func checkTimeline(t *testing.T, c *api.Client, cli *harness.CLI, n vm.Node) {
	d, err := c.Machine(t.Context(), n.Name)
	require.NoError(t, err)
	want := []string{"dhcp.offer", "dhcp.ack", "boot.script", "boot.kernel", "boot.initrd"}
	if n.UEFI {
		want = append(want, "tftp.done")
	}
	evs := slices.Clone(d.Events)
	slices.SortFunc(evs, func(a, b store.Event) int { return cmp.Compare(a.ID, b.ID) })
	first := map[string]int{} // event type → position of its first occurrence
	for i, e := range evs {
		if _, ok := first[e.Type]; !ok {
			first[e.Type] = i
		}
	}
	out := cli.OK("describe", "machine", n.Name)
	for _, w := range want {
		_, ok := first[w]
		assert.True(t, ok, "no %s event in the timeline", w)
		assert.Contains(t, out, w, "describe machine does not show %s", w)
	}
	// The steps happened in boot order (firmware DHCP → TFTP → iPXE → script → kernel → initrd).
	order := slices.DeleteFunc(slices.Clone(want), func(w string) bool { _, ok := first[w]; return !ok })
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(first[a], first[b]) })
	wantOrder := []string{"dhcp.offer", "dhcp.ack", "boot.script", "boot.kernel", "boot.initrd"}
	if n.UEFI {
		wantOrder = []string{"dhcp.offer", "dhcp.ack", "tftp.done", "boot.script", "boot.kernel", "boot.initrd"}
	}
	assert.Equal(t, wantOrder, order, "first occurrence of each boot step")
	t.Logf("slipway describe machine %s:\n%s", n.Name, out)
}

func firmware(n vm.Node) string {
	if n.UEFI {
		return "UEFI: OVMF PXE → TFTP snponly.efi → iPXE → HTTP"
	}
	return "BIOS: SeaBIOS → iPXE ROM → HTTP"
}
