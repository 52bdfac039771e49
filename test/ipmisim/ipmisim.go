// Package ipmisim starts real OpenIPMI ipmi_sim BMCs for tests: one
// process per BMC on its own loopback UDP port, configured (lan.conf, the
// .emu file) in the test's temporary directory, with the chassis program
// (test/ipmisim/chassis) as chassis_control keeping each simulated
// server's power and boot device in a state file. Faults can be injected:
// a BMC that ignores power commands, a slow one, one with a password the
// client does not know, and one that drops off the network (Stop).
package ipmisim

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
)

// Credentials every simulated BMC accepts (unless Options.Password is set).
const (
	Username = "admin"
	Password = "ipmisim-Pa55word"
)

// Options configure a BMC.
type Options struct {
	// Fault is simstate.FaultIgnorePower, simstate.FaultSlow or none.
	Fault string
	// Slow is the delay of every call with FaultSlow.
	Slow time.Duration
	// Password is the BMC's real password (default Password): set it to
	// something else to make a BMC that refuses the client's.
	Password string
	// QEMU is the command line started at power on and killed at power
	// off (empty: no process).
	QEMU []string
}

// BMC is one running ipmi_sim.
type BMC struct {
	Name string
	Dir  string
	Port int
	// Password is the one the BMC accepts.
	Password string
	cmd      *exec.Cmd
	done     chan struct{}
}

// Available reports why simulated BMCs cannot run here ("" when they can).
func Available() string {
	for _, bin := range []string{"ipmi_sim", "ipmitool"} {
		if _, err := exec.LookPath(bin); err != nil {
			return bin + " not installed (Debian packages openipmi, ipmitool)"
		}
	}
	return ""
}

// Skip skips t when ipmi_sim cannot run.
func Skip(t testing.TB) {
	t.Helper()
	if why := Available(); why != "" {
		t.Skip(why)
	}
}

// BuildChassis builds the chassis program into dir and returns its path.
func BuildChassis(t testing.TB, dir string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	out := filepath.Join(dir, "chassis")
	cmd := exec.Command("go", "build", "-o", out, "./chassis")
	cmd.Dir = filepath.Dir(file)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build chassis: %v\n%s", err, b)
	}
	return out
}

// Start starts n BMCs named prefix-00.. with the same options and stops
// them when the test ends.
func Start(t testing.TB, n int, prefix string, o Options) []*BMC {
	t.Helper()
	Skip(t)
	root := t.TempDir()
	chassis := BuildChassis(t, root)
	bmcs := make([]*BMC, n)
	for i := range bmcs {
		bmcs[i] = StartOne(t, chassis, filepath.Join(root, fmt.Sprintf("%s-%02d", prefix, i)), o)
	}
	for _, b := range bmcs {
		b.WaitReady(t)
	}
	return bmcs
}

// StartOne starts a BMC whose files live in dir (created), running the
// chassis program at chassisPath.
func StartOne(t testing.TB, chassisPath, dir string, o Options) *BMC {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := simstate.Update(dir, func(s *simstate.State) error {
		s.Fault, s.SlowMillis, s.QEMU = o.Fault, int(o.Slow/time.Millisecond), o.QEMU
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := &BMC{Name: filepath.Base(dir), Dir: dir, Password: o.Password, done: make(chan struct{})}
	if b.Password == "" {
		b.Password = Password
	}
	for attempt := 0; ; attempt++ {
		b.Port = freeUDPPort(t)
		if err := b.start(chassisPath); err == nil || attempt == 3 {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	t.Cleanup(b.stop)
	return b
}

func (b *BMC) start(chassisPath string) error {
	c := Config{Name: b.Name, Addr: "127.0.0.1", Port: b.Port, ChassisControl: chassisPath + " " + b.Dir,
		User: Username, Password: b.Password}
	args, err := c.Write(b.Dir, filepath.Join(b.Dir, "state"))
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(b.Dir, "ipmi_sim.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	b.cmd = exec.Command("ipmi_sim", args...)
	b.cmd.Stdout, b.cmd.Stderr = log, log
	b.cmd.Stdin = nil
	if err := b.cmd.Start(); err != nil {
		return fmt.Errorf("start ipmi_sim: %w", err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	return nil
}

func freeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Address is the BMC's bmc.address.
func (b *BMC) Address() string { return "ipmi://127.0.0.1:" + strconv.Itoa(b.Port) }

// PID is the ipmi_sim process id.
func (b *BMC) PID() int { return b.cmd.Process.Pid }

// WaitReady waits until the BMC answers a power status request.
func (b *BMC) WaitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.IPMITool(t.Context(), b.Password, "chassis", "power", "status")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bmc %s: not ready: %v", b.Name, err)
		}
		select {
		case <-b.done:
			log, _ := os.ReadFile(filepath.Join(b.Dir, "ipmi_sim.log"))
			t.Fatalf("bmc %s: ipmi_sim exited: %s", b.Name, log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// IPMITool runs ipmitool against the BMC (an independent client for
// tests), with the password in the environment.
func (b *BMC) IPMITool(ctx context.Context, password string, args ...string) (string, error) {
	argv := append([]string{"-I", "lanplus", "-C", "3", "-N", "1", "-R", "1", "-H", "127.0.0.1",
		"-p", strconv.Itoa(b.Port), "-U", Username, "-E"}, args...)
	cmd := exec.CommandContext(ctx, "ipmitool", argv...)
	cmd.Env = []string{"IPMITOOL_PASSWORD=" + password}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ipmitool %v: %w: %s", args, err, out)
	}
	return string(out), nil
}

// State reads the simulated server's state.
func (b *BMC) State() (simstate.State, error) { return simstate.Read(b.Dir) }

// SetPower changes the server's power behind the BMC's back (as a person
// at the rack would).
func (b *BMC) SetPower(on bool) error {
	return simstate.Update(b.Dir, func(s *simstate.State) error {
		s.Power = 0
		if on {
			s.Power = 1
		}
		return nil
	})
}

// SetFault changes the injected fault.
func (b *BMC) SetFault(fault string, slow time.Duration) error {
	return simstate.Update(b.Dir, func(s *simstate.State) error {
		s.Fault, s.SlowMillis = fault, int(slow/time.Millisecond)
		return nil
	})
}

// Stop freezes the BMC (SIGSTOP): it drops off the network without
// closing anything. Cont brings it back.
func (b *BMC) Stop() error { return b.cmd.Process.Signal(syscall.SIGSTOP) }

// Cont resumes a stopped BMC.
func (b *BMC) Cont() error { return b.cmd.Process.Signal(syscall.SIGCONT) }

func (b *BMC) stop() {
	_ = b.cmd.Process.Signal(syscall.SIGCONT)
	_ = b.cmd.Process.Kill()
	<-b.done
	if st, err := b.State(); err == nil && st.QEMUPID > 0 {
		_ = syscall.Kill(st.QEMUPID, syscall.SIGKILL)
	}
}
