package rack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/slipway-dev/slipway/test/ipmisim"
	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
	"github.com/slipway-dev/slipway/test/rack/node"
)

// VM is one machine of a running rack.
type VM struct {
	Machine
	Dir    string // machine.json, state.json (its BMC's view), qemu.log, boots.log
	Serial string // the serial console log
	Disk   string
	BMC    *Proc // ipmi_sim
}

// addMachine creates the machine's files (a sparse disk, its spec, its
// BMC state with the supervisor as the program powered on) and starts its
// BMC.
func (r *Rack) addMachine(m Machine) (*VM, error) {
	v := &VM{Machine: m, Dir: filepath.Join(r.Dir, "machines", m.Name)}
	v.Serial, v.Disk = filepath.Join(v.Dir, "serial.log"), filepath.Join(v.Dir, "disk.raw")
	if err := os.MkdirAll(filepath.Join(v.Dir, "bmc-state"), 0o755); err != nil {
		return nil, fmt.Errorf("machine %s: %w", m.Name, err)
	}
	if err := r.addTap(m); err != nil {
		return nil, err
	}
	if err := sparseFile(v.Disk, int64(m.DiskGiB)<<30); err != nil {
		return nil, fmt.Errorf("machine %s: disk: %w", m.Name, err)
	}
	spec := node.Spec{Name: m.Name, MAC: m.MAC, Tap: m.Tap(), Disk: v.Disk, Serial: v.Serial,
		Firmware: m.Firmware, MemoryMiB: m.MemoryMiB, CPUs: m.CPUs}
	if err := spec.Write(v.Dir); err != nil {
		return nil, err
	}
	err := simstate.Update(v.Dir, func(s *simstate.State) error {
		s.QEMU = []string{r.rackvm, "run", v.Dir}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("machine %s: bmc state: %w", m.Name, err)
	}
	r.defer_(v.powerCut)
	if v.BMC, err = r.startBMC(v); err != nil {
		return nil, err
	}
	r.defer_(v.BMC.Kill)
	return v, nil
}

func sparseFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// startBMC starts the machine's ipmi_sim: its LAN channel on the
// appliance's address, the rackvm program as chassis_control, one admin
// user (ipmisim.Config).
func (r *Rack) startBMC(v *VM) (*Proc, error) {
	c := ipmisim.Config{Name: v.Name, Addr: Addr, Port: v.BMCPort(), ChassisControl: r.rackvm + " chassis " + v.Dir,
		User: BMCUser, Password: BMCSecret}
	args, err := c.Write(v.Dir, filepath.Join(v.Dir, "bmc-state"))
	if err != nil {
		return nil, fmt.Errorf("machine %s: %w", v.Name, err)
	}
	return r.spawn("bmc-"+v.Name, "ipmi_sim", args...)
}

// IPMITool runs ipmitool inside the namespace against the machine's BMC
// (an independent client: what a person at the rack would type).
func (r *Rack) IPMITool(ctx context.Context, name string, args ...string) (string, error) {
	v, err := r.VM(name)
	if err != nil {
		return "", err
	}
	argv := append([]string{"netns", "exec", r.cfg.Namespace, "ipmitool", "-I", "lanplus", "-C", "3", "-N", "1", "-R", "2",
		"-H", Addr, "-p", strconv.Itoa(v.BMCPort()), "-U", BMCUser, "-E"}, args...)
	cmd := exec.CommandContext(ctx, "ip", argv...)
	cmd.Env = []string{"IPMITOOL_PASSWORD=" + BMCSecret}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ipmitool %v (bmc of %s): %w: %s", args, name, err, out)
	}
	return string(out), nil
}

// waitBMC waits until the machine's BMC answers a power status request.
func (r *Rack) waitBMC(ctx context.Context, v *VM) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := r.IPMITool(ctx, v.Name, "chassis", "power", "status")
		if err == nil {
			return nil
		}
		select {
		case <-v.BMC.Exited():
			return fmt.Errorf("machine %s: ipmi_sim exited: %s", v.Name, v.BMC.Output())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("machine %s: bmc not ready: %w", v.Name, err)
		}
		time.Sleep(50 * time.Millisecond) // another process's start-up: nothing to wait on
	}
}

// State is the machine as its BMC sees it (power, boot device, counters).
func (v *VM) State() (simstate.State, error) { return simstate.Read(v.Dir) }

// Boots lists the machine's QEMU starts, one line each ("TIME boot=DEV pid=N").
func (v *VM) Boots() string {
	b, _ := os.ReadFile(filepath.Join(v.Dir, node.BootLog))
	return string(b)
}

// SerialLog is what the machine's serial console printed so far.
func (v *VM) SerialLog() string {
	b, _ := os.ReadFile(v.Serial)
	return string(b)
}

// Running reports whether the machine's QEMU runs.
func (v *VM) Running() bool {
	b, err := os.ReadFile(filepath.Join(v.Dir, node.PIDFile))
	if err != nil {
		return false
	}
	pid, _ := strconv.Atoi(string(b))
	return alive(pid)
}

// powerCut kills the supervisor and QEMU by PID, whatever the BMC thinks.
func (v *VM) powerCut() {
	if st, err := simstate.Read(v.Dir); err == nil && st.QEMUPID > 0 {
		node.KillWait(st.QEMUPID, 5*time.Second)
	}
	node.KillQEMU(v.Dir)
}
