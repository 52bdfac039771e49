// Package simstate is the state of one simulated server behind a test BMC
// (power, boot device, fault, call counters, its QEMU process), kept in a
// JSON file under an exclusive flock so that concurrent chassis_control
// calls and the test harness see one consistent value.
package simstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Faults a simulated BMC can inject.
const (
	FaultNone        = ""
	FaultIgnorePower = "ignore-power" // accepts power commands, does nothing
	FaultSlow        = "slow"         // every call takes SlowMillis
)

// State is the simulated server.
type State struct {
	Power      int    `json:"power"` // 0 off, 1 on
	Boot       string `json:"boot"`  // as ipmi_sim passes it: pxe, default, none, cdrom, bios
	Fault      string `json:"fault,omitempty"`
	SlowMillis int    `json:"slowMillis,omitempty"`
	// Calls counts chassis_control calls; Active those running now;
	// MaxActive the most ever running at once.
	Calls     int `json:"calls"`
	Active    int `json:"active"`
	MaxActive int `json:"maxActive"`
	// PowerOns counts off→on transitions; Resets reset commands.
	PowerOns int `json:"powerOns"`
	Resets   int `json:"resets"`
	// QEMU is the command line started at power on (empty: none); QEMUPID
	// the running process.
	QEMU    []string `json:"qemu,omitempty"`
	QEMUPID int      `json:"qemuPid,omitempty"`
	// BootAtPowerOn is the boot device in force at the last power on.
	BootAtPowerOn string `json:"bootAtPowerOn,omitempty"`
}

// File is the state file's name inside a BMC's directory.
const File = "state.json"

// Update runs fn on the state of dir under the lock and writes it back.
func Update(dir string, fn func(*State) error) error {
	f, err := os.OpenFile(filepath.Join(dir, "state.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	st, err := read(dir)
	if err != nil {
		return err
	}
	if err := fn(&st); err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	tmp := filepath.Join(dir, File+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, File))
}

// Read returns the state of dir.
func Read(dir string) (State, error) {
	var st State
	err := Update(dir, func(s *State) error { st = *s; return nil })
	return st, err
}

func read(dir string) (State, error) {
	st := State{Boot: "default"}
	b, err := os.ReadFile(filepath.Join(dir, File))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// Handle is one chassis_control call: it counts the call (and how many run
// at once), applies the fault and the command, and returns the output line.
func Handle(dir, verb, item, val string) (string, error) {
	var slow time.Duration
	err := Update(dir, func(s *State) error {
		s.Calls++
		s.Active++
		s.MaxActive = max(s.MaxActive, s.Active)
		if s.Fault == FaultSlow {
			slow = time.Duration(s.SlowMillis) * time.Millisecond
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	time.Sleep(slow) // outside the lock, so that overlapping calls would show in Active
	var out string
	err = Update(dir, func(s *State) error {
		s.Active--
		var err error
		out, err = apply(dir, s, verb, item, val)
		return err
	})
	return out, err
}

func apply(dir string, s *State, verb, item, val string) (string, error) {
	switch verb + " " + item {
	case "get power":
		if s.Power == 1 && len(s.QEMU) > 0 && !alive(s.QEMUPID) {
			s.Power, s.QEMUPID = 0, 0 // the machine turned itself off
		}
		return fmt.Sprintf("power:%d", s.Power), nil
	case "get boot":
		return "boot:" + s.Boot, nil
	case "set boot":
		s.Boot = val
		return "", nil
	}
	if s.Fault == FaultIgnorePower {
		return "", nil
	}
	switch verb + " " + item {
	case "set power":
		return "", setPower(dir, s, val == "1")
	case "set shutdown":
		return "", setPower(dir, s, false)
	case "set reset":
		s.Resets++
		if err := setPower(dir, s, false); err != nil {
			return "", err
		}
		return "", setPower(dir, s, true)
	}
	return "", fmt.Errorf("unknown call %s %s %s", verb, item, val)
}

func setPower(dir string, s *State, on bool) error {
	switch {
	case on && s.Power == 0:
		s.Power, s.PowerOns, s.BootAtPowerOn = 1, s.PowerOns+1, s.Boot
		return startQEMU(dir, s)
	case !on && s.Power == 1:
		s.Power = 0
		stopQEMU(s)
	}
	return nil
}
