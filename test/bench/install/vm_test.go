package install

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/netns"
)

// serveImage creates the bridge (with the server's address) in srv's
// namespace and serves the file there from this process (a socket opened
// inside the namespace; http.ServeFile answers Range requests). The
// server is closed when tb ends.
func serveImage(tb testing.TB, srv *netns.Host, file string) string {
	tb.Helper()
	for _, args := range [][]string{
		{"link", "add", bridge, "type", "bridge"},
		{"addr", "add", serverAddr + "/24", "dev", bridge},
		{"link", "set", bridge, "up"},
	} {
		if out, err := srv.Run(tb.Context(), "ip", args...); err != nil {
			tb.Fatalf("%v\n%s", err, out)
		}
	}
	var ln net.Listener
	if err := srv.Do(func() (err error) {
		ln, err = net.Listen("tcp", serverAddr+":8080")
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, file)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	tb.Cleanup(func() { _ = hs.Close() })
	return "http://" + serverAddr + ":8080/image.raw.zst"
}

type vmConfig struct {
	Boot        boot
	Disk        string // host file, the VM's /dev/vda
	SMP, Memory int
	CPU         string // -cpu model ("": QEMU's default)
	Dir         string // serial log
}

type vm struct {
	serial  string
	started time.Time
	ended   time.Time
	proc    *netns.Process
}

// startVM plugs a tap into the bridge and boots the kernel and initramfs
// directly (no firmware boot menu, no PXE) in srv's namespace. QEMU is
// killed by its PID when tb ends; the namespace's deletion removes the tap.
func startVM(tb testing.TB, srv *netns.Host, c vmConfig) *vm {
	tb.Helper()
	tap := "tapbench0"
	for _, args := range [][]string{
		{"tuntap", "add", "dev", tap, "mode", "tap"},
		{"link", "set", tap, "master", bridge},
		{"link", "set", tap, "up"},
	} {
		if out, err := srv.Run(tb.Context(), "ip", args...); err != nil {
			tb.Fatalf("%v\n%s", err, out)
		}
	}
	v := &vm{serial: filepath.Join(c.Dir, "serial.log")}
	args := []string{
		"-name", "install-bench", "-machine", "q35,graphics=off", "-accel", "tcg",
		"-smp", strconv.Itoa(c.SMP), "-m", strconv.Itoa(c.Memory),
		"-display", "none", "-vga", "none", "-monitor", "none", "-no-reboot", "-serial", "file:" + v.serial,
		"-kernel", c.Boot.Kernel, "-initrd", c.Boot.Initrd, "-append", "console=ttyS0,115200 quiet panic=-1",
		"-device", "virtio-rng-pci", // or Go's getrandom waits minutes for the CRNG under TCG (lab.md)
		"-drive", "file=" + c.Disk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0",
		"-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no",
		"-device", "virtio-net-pci,netdev=n0,mac=" + vmMAC + ",romfile=",
	}
	if c.CPU != "" {
		args = append(args, "-cpu", c.CPU)
	}
	v.started = time.Now()
	v.proc = srv.Start(tb, "qemu-system-x86_64", args...)
	return v
}

// wait returns the serial log once the VM printed "done" and powered off;
// it fails on an error line, an early exit or the deadline.
func (v *vm) wait(tb testing.TB, timeout time.Duration) string {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		log := v.log()
		if strings.Contains(log, markPrefix+" error") {
			tb.Fatalf("the VM failed:\n%s", tail(log, 6000))
		}
		select {
		case <-v.proc.Exited():
			v.ended = time.Now()
			log = v.log()
			if !strings.Contains(log, markPrefix+" done") {
				tb.Fatalf("QEMU exited before the benchmark was done\nQEMU: %s\nserial (tail):\n%s", v.proc.Output(), tail(log, 6000))
			}
			return log
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the VM did not finish within %s\nserial (tail):\n%s", timeout, tail(log, 6000))
		}
	}
}

func (v *vm) log() string {
	b, _ := os.ReadFile(v.serial)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// cpuShare is QEMU's CPU time over its wall time (1.0: a whole host core).
func (v *vm) cpuShare() float64 {
	st := v.proc.Cmd.ProcessState
	wall := v.ended.Sub(v.started).Seconds()
	if st == nil || wall <= 0 {
		return 0
	}
	return (st.UserTime() + st.SystemTime()).Seconds() / wall
}

// loadAvg is the host's 1-minute load average and the number of other
// QEMU processes running (other engineers share the 2 cores).
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	load := "?"
	if len(f) > 0 {
		load = f[0]
	}
	others := 0
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		if name, err := os.ReadFile(c); err == nil && strings.HasPrefix(string(name), "qemu-system") {
			others++
		}
	}
	return fmt.Sprintf("load %s, %d QEMU running", load, others)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
