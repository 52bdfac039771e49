package boottest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/netns"
	"github.com/slipway-dev/slipway/test/vm"
)

// machine is one QEMU node booting from its virtio disk.
type machine struct {
	Name, MAC string
	UEFI      bool
	Memory    int // MiB
	Disk      string
}

type running struct {
	machine
	serial  string
	started time.Time
	proc    *netns.Process
}

// boot plugs a tap for m into the site's bridge and starts QEMU (TCG) in
// the site's namespace; it is killed by its PID when t ends.
func (s *site) boot(t *testing.T, m machine) *running {
	t.Helper()
	dir := t.TempDir()
	tap := "tap" + strings.ReplaceAll(m.MAC[12:], ":", "")
	vm.PlugTap(t, s.srv, bridge, tap)
	r := &running{machine: m, serial: filepath.Join(dir, "serial.log")}
	args := []string{
		"-name", m.Name, "-machine", "q35,graphics=off", "-accel", "tcg", "-smp", "1",
		"-m", strconv.Itoa(m.Memory), "-display", "none", "-vga", "none", "-monitor", "none",
		"-no-reboot", "-serial", "file:" + r.serial,
		"-drive", "file=" + m.Disk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,bootindex=1",
		// No option ROM: the firmware boots the disk and never tries PXE.
		"-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no",
		"-device", "virtio-net-pci,netdev=n0,mac=" + m.MAC + ",romfile=",
	}
	if m.UEFI {
		uefi, err := vm.UEFIArgs(dir) // a fresh copy of the variables per boot (lab.md)
		require.NoError(t, err)
		args = append(args, uefi...)
	}
	r.started = time.Now()
	r.proc = s.srv.Start(t, "qemu-system-x86_64", args...)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("SLIPWAY_VM_DEBUG") == "1" {
			t.Logf("%s serial console:\n%s", m.Name, r.log())
		}
	})
	return r
}

func (r *running) log() string {
	b, _ := os.ReadFile(r.serial)
	return string(b)
}

func (r *running) tail() string {
	l := r.log()
	if len(l) > 4000 {
		l = l[len(l)-4000:]
	}
	return l
}

// waitSerial polls the serial log until re matches and returns the match.
func (r *running) waitSerial(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := re.FindStringSubmatch(r.log()); m != nil {
			return m
		}
		select {
		case <-r.proc.Exited():
			if m := re.FindStringSubmatch(r.log()); m != nil {
				return m
			}
			t.Fatalf("%s: QEMU exited before %q\nQEMU: %s\nserial (tail):\n%s", r.Name, re, r.proc.Output(), r.tail())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q after %s\nserial (tail):\n%s", r.Name, re, timeout, r.tail())
		}
	}
}
