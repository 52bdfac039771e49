package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
)

// PIDFile holds the running QEMU's process id; BootLog gets one line per
// QEMU start ("RFC3339 boot=pxe") so tests can see which device each start
// used.
const (
	PIDFile = "qemu.pid"
	BootLog = "boots.log"
)

// Supervise runs the machine in dir until the guest powers itself off or
// ctx ends: QEMU with the boot order of the BMC's current boot device,
// started again (fresh) whenever the guest reboots. The caller must have
// locked its OS thread: QEMU gets SIGKILL when that thread dies (the BMC
// powers the machine off by killing the supervisor).
func Supervise(ctx context.Context, dir string, stderr io.Writer) error {
	s, err := ReadSpec(dir)
	if err != nil {
		return err
	}
	KillQEMU(dir)
	quickExits := 0
	for {
		started := time.Now()
		reason, err := runOnce(ctx, s, dir, stderr)
		if err != nil {
			return fmt.Errorf("machine %s: %w", s.Name, err)
		}
		fmt.Fprintf(stderr, "%s machine %s: qemu stopped (%s)\n", time.Now().Format(time.RFC3339), s.Name, reason)
		if ctx.Err() != nil {
			return nil
		}
		// QEMU that exits at once (no guest event) could not start: the
		// previous QEMU of a quick reset may still hold the tap or the disk
		// lock while the kernel tears it down. Start it again, a few times.
		if reason == "exit" && time.Since(started) < 2*time.Second && quickExits < 5 {
			quickExits++
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if reason != "guest-reset" {
			return nil
		}
	}
}

// runOnce starts QEMU once and returns the reason it stopped (the QMP
// SHUTDOWN event's, or "exit").
func runOnce(ctx context.Context, s Spec, dir string, stderr io.Writer) (string, error) {
	st, err := simstate.Read(dir)
	if err != nil {
		return "", err
	}
	if s.Firmware == UEFI {
		if err := FreshVars(dir); err != nil {
			return "", err
		}
	}
	_ = os.Remove(filepath.Join(dir, "qmp.sock"))
	bin := s.QEMU
	if bin == "" {
		bin = "qemu-system-x86_64"
	}
	cmd := exec.Command(bin, Args(s, dir, st.Boot)...) //nolint:gosec // the harness's own command line
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start qemu: %w", err)
	}
	pid := cmd.Process.Pid
	_ = os.WriteFile(filepath.Join(dir, PIDFile), []byte(strconv.Itoa(pid)), 0o600)
	appendLine(filepath.Join(dir, BootLog), fmt.Sprintf("%s boot=%s pid=%d", time.Now().Format(time.RFC3339Nano), st.Boot, pid))
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	reasons := make(chan string, 1)
	go func() { reasons <- watchQMP(filepath.Join(dir, "qmp.sock"), exited) }()
	select {
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-exited
		return "stopped", nil
	case <-exited:
	}
	_ = os.Remove(filepath.Join(dir, PIDFile))
	if r := <-reasons; r != "" {
		return r, nil
	}
	return "exit", nil
}

// watchQMP connects to QEMU's QMP socket and returns the reason of the
// last SHUTDOWN event ("guest-reset", "guest-shutdown", ...) or "".
func watchQMP(sock string, exited <-chan struct{}) string {
	var c net.Conn
	for c == nil {
		var err error
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		select {
		case <-exited:
			return ""
		case <-time.After(20 * time.Millisecond): // QEMU creates the socket at start-up
		}
	}
	defer c.Close()
	if _, err := io.WriteString(c, `{"execute":"qmp_capabilities"}`+"\n"); err != nil {
		return ""
	}
	reason := ""
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		var ev struct {
			Event string `json:"event"`
			Data  struct {
				Reason string `json:"reason"`
			} `json:"data"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "SHUTDOWN" {
			reason = ev.Data.Reason
		}
	}
	return reason
}

// KillQEMU kills a QEMU left running for dir (its PID file) and waits
// until it is gone, so that its tap is free again.
func KillQEMU(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, PIDFile))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return
	}
	KillWait(pid, 10*time.Second)
	_ = os.Remove(filepath.Join(dir, PIDFile))
}

// KillWait sends SIGKILL to pid (when it is a live process) and waits up
// to timeout until it is gone or a zombie.
func KillWait(pid int, timeout time.Duration) {
	if !Alive(pid) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(timeout)
	for Alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // another process's exit: nothing to wait on
	}
}

// Alive reports whether pid runs: a zombie (state Z in /proc/PID/stat)
// counts as dead, though kill -0 succeeds on it.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.WriteString(f, line+"\n")
}
