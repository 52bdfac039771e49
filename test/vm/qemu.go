package vm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
)

// Firmware files (Debian's ovmf package).
const (
	OVMFCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"
	OVMFVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"
)

// Node describes one QEMU machine with one virtio NIC booting from the
// network first.
type Node struct {
	Name string
	MAC  string
	// UEFI boots OVMF with its own PXE (romfile= on the NIC: no iPXE ROM),
	// which fetches snponly.efi over TFTP; otherwise SeaBIOS boots QEMU's
	// iPXE option ROM, which is already iPXE.
	UEFI   bool
	Memory int // MiB; 0: 512
}

// Running is a started node.
type Running struct {
	Node
	Serial  string    // the serial console log
	Started time.Time // just before QEMU was started (power-on)
	proc    *netns.Process
}

// Require skips t unless QEMU (and OVMF for UEFI) are installed.
func Require(t testing.TB) {
	t.Helper()
	netns.RequireTool(t, "qemu-system-x86_64")
	for _, f := range []string{OVMFCode, OVMFVars, BusyboxPath} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is missing (install ovmf, busybox-static)", f)
		}
	}
	if _, err := kernelRelease(); err != nil {
		t.Skip(err.Error())
	}
}

// Start creates a tap for n on bridge inside host's namespace and starts
// QEMU there (TCG, serial console to a file). QEMU is killed by its PID
// when t ends; the namespace's deletion removes the tap.
func Start(t testing.TB, host *netns.Host, bridge string, n Node) *Running {
	t.Helper()
	dir := t.TempDir()
	tap := "tap-" + strings.ReplaceAll(n.MAC[9:], ":", "")
	PlugTap(t, host, bridge, tap)
	r := &Running{Node: n, Serial: filepath.Join(dir, "serial.log")}
	args, err := qemuArgs(n, dir, tap, r.Serial)
	if err != nil {
		t.Fatalf("vm %s: %v", n.Name, err)
	}
	r.Started = time.Now()
	r.proc = host.Start(t, "qemu-system-x86_64", args...)
	return r
}

// PlugTap creates the tap device tap on bridge inside host's namespace
// and sets it up; the namespace's deletion removes it.
func PlugTap(t testing.TB, host *netns.Host, bridge, tap string) {
	t.Helper()
	for _, args := range [][]string{
		{"tuntap", "add", "dev", tap, "mode", "tap"},
		{"link", "set", tap, "master", bridge},
		{"link", "set", tap, "up"},
	} {
		if out, err := host.Run(t.Context(), "ip", args...); err != nil {
			t.Fatalf("tap %s: %v\n%s", tap, err, out)
		}
	}
}

// qemuArgs is the command line (firmware notes in ../../shared/notes/lab.md:
// graphics=off and -vga none send firmware output to serial; a fresh copy
// of the UEFI variables per boot).
func qemuArgs(n Node, dir, tap, serial string) ([]string, error) {
	mem := n.Memory
	if mem == 0 {
		mem = 512
	}
	args := []string{
		"-name", n.Name, "-machine", "q35,graphics=off", "-accel", "tcg", "-smp", "1", "-m", strconv.Itoa(mem),
		"-display", "none", "-vga", "none", "-monitor", "none", "-no-reboot", "-serial", "file:" + serial,
		"-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no",
	}
	nic := "virtio-net-pci,netdev=n0,mac=" + n.MAC + ",bootindex=1"
	if n.UEFI {
		uefi, err := UEFIArgs(dir)
		if err != nil {
			return nil, err
		}
		args = append(args, uefi...)
		nic += ",romfile="
	}
	return append(args, "-device", nic), nil
}

// AdvertiseRouter sends an IPv6 router advertisement (no prefixes, no
// managed/other flags, router lifetime 0) on iface every half second until
// t ends (netns.Host.AdvertiseRouter: iPXE otherwise waits ~13 s for IPv6
// autoconfiguration). IPv6 is enabled on iface only (netns turns it off
// everywhere), without duplicate address detection.
func AdvertiseRouter(t testing.TB, host *netns.Host, iface string) {
	t.Helper()
	for _, kv := range []string{
		"net.ipv6.conf." + iface + ".accept_dad=0",
		"net.ipv6.conf." + iface + ".disable_ipv6=0",
	} {
		if out, err := host.Run(t.Context(), "sysctl", "-qw", kv); err != nil {
			t.Fatalf("router advertisements: %v\n%s", err, out)
		}
	}
	stop, err := host.AdvertiseRouter(iface)
	if err != nil {
		t.Fatalf("router advertisements: %v", err)
	}
	t.Cleanup(stop)
}

// UEFIArgs copies OVMF's variables into dir (a fresh copy per boot) and
// returns QEMU's two pflash drives: the firmware, read-only, and the copy.
func UEFIArgs(dir string) ([]string, error) {
	vars := filepath.Join(dir, "OVMF_VARS.fd")
	data, err := os.ReadFile(OVMFVars)
	if err != nil {
		return nil, fmt.Errorf("uefi: %w", err)
	}
	if err := os.WriteFile(vars, data, 0o600); err != nil {
		return nil, fmt.Errorf("uefi: %w", err)
	}
	return []string{"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMFCode,
		"-drive", "if=pflash,format=raw,unit=1,file=" + vars}, nil
}

var markerRe = regexp.MustCompile(regexp.QuoteMeta(Marker) + ` mac=(\S+)`)

// WaitMarker polls the serial log until the marker line appears and returns
// the MAC it names and the time from power-on. It fails when the deadline
// passes or QEMU exits (or is a zombie) first.
func (r *Running) WaitMarker(t testing.TB, timeout time.Duration) (string, time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := markerRe.FindSubmatch(r.log()); m != nil {
			return string(m[1]), time.Since(r.Started)
		}
		exited := false
		select {
		case <-r.proc.Exited():
			exited = true
		default:
			exited = !Alive(r.proc.Cmd.Process.Pid)
		}
		if exited || time.Now().After(deadline) {
			// QEMU may have written the marker just before it powered off.
			if m := markerRe.FindSubmatch(r.log()); m != nil {
				return string(m[1]), time.Since(r.Started)
			}
			t.Fatalf("vm %s: no %s line after %s (QEMU exited: %v)\nQEMU: %s\nserial console (tail):\n%s",
				r.Name, Marker, time.Since(r.Started).Round(time.Millisecond), exited, r.proc.Output(), tail(r.log(), 4000))
		}
		<-tick.C
	}
}

// Kill stops QEMU by its PID (and waits for it).
func (r *Running) Kill() { r.proc.Kill() }

func (r *Running) log() []byte {
	b, _ := os.ReadFile(r.Serial)
	return b
}

// Log returns the serial console output so far.
func (r *Running) Log() string { return string(r.log()) }

// Alive reports whether pid runs: a zombie (state Z in /proc/PID/stat, an
// exited process nobody reaped yet) counts as dead, though kill -0 succeeds.
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
