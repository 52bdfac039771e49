// Package machine is the one place that decides a machine's lifecycle: the
// states of the journey (discovered → registered → inspecting → ready →
// provisioning → provisioned → booting → joining → active, plus failed and
// maintenance), the table of allowed transitions, and how a transition is
// written (state change plus an event with time, cause and actor, in one
// transaction). It also recovers machines a crash left in a transient state.
package machine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// State is a machine lifecycle state.
type State string

// The lifecycle states (design §2).
const (
	Discovered   State = "discovered"
	Registered   State = "registered"
	Inspecting   State = "inspecting"
	Ready        State = "ready"
	Provisioning State = "provisioning"
	Provisioned  State = "provisioned"
	Booting      State = "booting"
	Joining      State = "joining"
	Active       State = "active"
	Failed       State = "failed"
	Maintenance  State = "maintenance"
)

// States lists every state in journey order.
var States = []State{Discovered, Registered, Inspecting, Ready, Provisioning, Provisioned,
	Booting, Joining, Active, Failed, Maintenance}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Trigger is what asks for a transition.
type Trigger string

// The triggers.
const (
	Register       Trigger = "register"        // declared in inventory / discovered machine adopted
	Discover       Trigger = "discover"        // unknown MAC booted into the discovery pool
	Inspect        Trigger = "inspect"         // operator or workflow asks for inspection
	Inspected      Trigger = "inspected"       // agent reported hardware and the BOM check passed
	Provision      Trigger = "provision"       // operator or workflow asks for an install
	Installed      Trigger = "installed"       // agent wrote and verified the image
	BootDisk       Trigger = "boot-disk"       // BMC set boot device = disk and reset
	PhonedHome     Trigger = "phoned-home"     // installed OS called back (it has a cluster to join)
	Booted         Trigger = "booted"          // installed OS called back (no cluster: done)
	Joined         Trigger = "joined"          // Kubernetes node is Ready
	Fail           Trigger = "fail"            // a step failed (reason required)
	Reset          Trigger = "reset"           // operator clears a failure
	Deprovision    Trigger = "deprovision"     // operator wipes an installed machine
	MaintenanceOn  Trigger = "maintenance-on"  // operator hold
	MaintenanceOff Trigger = "maintenance-off" // release the hold
)

// Recovery says what start-up does with a machine found in a transient state.
type Recovery int

// Recovery policies.
const (
	// Stable states need nothing.
	Stable Recovery = iota
	// Resume keeps the state: the step is driven by the machine itself (its
	// agent or OS calls back, and an install in progress carries on while
	// the appliance is down), so it carries on; a timeout fails it if not.
	Resume
)

// stateInfo is one row of the state table.
type stateInfo struct {
	recovery Recovery
	// timeout fails a machine that stays this long without progress (0: none).
	timeout time.Duration
	// phase is the step a failure in this state is reported against.
	phase string
}

var stateTable = map[State]stateInfo{
	Discovered:   {recovery: Stable},
	Registered:   {recovery: Stable},
	Inspecting:   {recovery: Resume, timeout: 30 * time.Minute, phase: "inspect"},
	Ready:        {recovery: Stable},
	Provisioning: {recovery: Resume, timeout: 2 * time.Hour, phase: "install"},
	Provisioned:  {recovery: Stable},
	Booting:      {recovery: Resume, timeout: 30 * time.Minute, phase: "boot"},
	Joining:      {recovery: Resume, timeout: time.Hour, phase: "join"},
	Active:       {recovery: Stable},
	Failed:       {recovery: Stable},
	Maintenance:  {recovery: Stable},
}

// Transient reports whether s is a step in progress (it has a timeout and a
// recovery policy).
func (s State) Transient() bool { return stateTable[s].recovery != Stable }

// Recovery returns the start-up policy for s.
func (s State) Recovery() Recovery { return stateTable[s].recovery }

// Timeout returns how long a machine may stay in s without progress (0: forever).
func (s State) Timeout() time.Duration { return stateTable[s].timeout }

// transition is one row of the transition table: from any of From, Trigger
// leads to To.
type transition struct {
	From    []State
	Trigger Trigger
	To      State
}

// all is every state but maintenance, for the triggers that apply anywhere.
var notHeld = []State{Discovered, Registered, Inspecting, Ready, Provisioning, Provisioned,
	Booting, Joining, Active, Failed}

// transitions is the whole lifecycle. Order does not matter: a (state,
// trigger) pair appears at most once (checked by a test).
var transitions = []transition{
	{From: []State{Discovered}, Trigger: Register, To: Registered},
	{From: []State{Registered, Ready, Failed}, Trigger: Inspect, To: Inspecting},
	{From: []State{Inspecting}, Trigger: Inspected, To: Ready},
	// Provisioning inspects first: the agent reports the hardware and the
	// BOM check passes (or warns) before the install task is handed out, so a
	// registered machine is provisioned in one netboot.
	{From: []State{Registered, Ready, Provisioned, Active}, Trigger: Provision, To: Provisioning},
	{From: []State{Provisioning}, Trigger: Installed, To: Provisioned},
	{From: []State{Provisioned}, Trigger: BootDisk, To: Booting},
	{From: []State{Booting}, Trigger: PhonedHome, To: Joining},
	{From: []State{Booting}, Trigger: Booted, To: Active},
	{From: []State{Joining}, Trigger: Joined, To: Active},
	{From: []State{Inspecting, Provisioning, Booting, Joining}, Trigger: Fail, To: Failed},
	{From: []State{Failed}, Trigger: Reset, To: Registered},
	{From: []State{Ready, Provisioned, Booting, Joining, Active, Failed}, Trigger: Deprovision, To: Inspecting},
	{From: notHeld, Trigger: MaintenanceOn, To: Maintenance},
	// MaintenanceOff returns to the state held from (see Next); Registered is
	// the table's answer when that state is unknown.
	{From: []State{Maintenance}, Trigger: MaintenanceOff, To: Registered},
}

// ErrTransition is returned (wrapped) for a trigger the current state does
// not allow.
var ErrTransition = errors.New("transition not allowed")

// Next returns the state trigger t leads to from s, or an error naming both.
// heldFrom is the state a machine in maintenance was held from; leaving
// maintenance returns there when it is stable, and to registered otherwise
// (a step interrupted by the hold must be started again).
func Next(s State, t Trigger, heldFrom State) (State, error) {
	for _, tr := range transitions {
		if tr.Trigger != t || !slices.Contains(tr.From, s) {
			continue
		}
		if t == MaintenanceOff && heldFrom.Valid() && !heldFrom.Transient() {
			return heldFrom, nil
		}
		return tr.To, nil
	}
	allowed := make([]string, 0, 4)
	for _, a := range Allowed(s) {
		allowed = append(allowed, string(a))
	}
	return "", fmt.Errorf("%s is not possible while %s (possible: %s): %w",
		t, s, strings.Join(allowed, ", "), ErrTransition)
}

// Allowed returns the triggers s accepts, in table order (for the UI's
// action buttons and for error messages).
func Allowed(s State) []Trigger {
	var out []Trigger
	for _, tr := range transitions {
		if slices.Contains(tr.From, s) && !slices.Contains(out, tr.Trigger) {
			out = append(out, tr.Trigger)
		}
	}
	return out
}
