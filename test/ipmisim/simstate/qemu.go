package simstate

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// startQEMU starts the server's QEMU process (if one is configured) in its
// own session, with its output in DIR/qemu.log.
func startQEMU(dir string, s *State) error {
	if len(s.QEMU) == 0 || alive(s.QEMUPID) {
		return nil
	}
	log, err := os.OpenFile(filepath.Join(dir, "qemu.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(s.QEMU[0], s.QEMU[1:]...) //nolint:gosec // the test's own command line
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.QEMUPID = cmd.Process.Pid
	_ = cmd.Process.Release()
	return nil
}

// stopQEMU kills the server's QEMU process (power off is not graceful).
func stopQEMU(s *State) {
	if alive(s.QEMUPID) {
		_ = syscall.Kill(s.QEMUPID, syscall.SIGKILL)
	}
	s.QEMUPID = 0
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// state is the field after the ")" that ends the command name
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 && i+2 < len(rest) {
		return rest[i+2] != 'Z'
	}
	return true
}
