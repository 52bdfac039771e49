package timeline

import (
	"strings"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// The phase keys, in journey order (design §2).
const (
	Power     = "power"
	DHCP      = "dhcp"
	TFTP      = "tftp"
	Script    = "script"
	Kernel    = "kernel"
	Agent     = "agent"
	Inspect   = "inspect"
	Install   = "install"
	DiskBoot  = "disk"
	PhoneHome = "phonehome"
)

// phaseDef is one phase: its key, its label, and what the machine is
// waiting for while the phase has not happened yet.
type phaseDef struct{ key, label, awaits string }

var phases = []phaseDef{
	{Power, "Power on", "the BMC to power the machine on"},
	{DHCP, "DHCP", "a DHCP request from the machine (PXE boot)"},
	{TFTP, "TFTP", "the machine to fetch iPXE over TFTP"},
	{Script, "iPXE script", "iPXE to fetch its boot script"},
	{Kernel, "Kernel + initrd", "iPXE to fetch the agent's kernel and initramfs"},
	{Agent, "Agent", "the agent to claim its boot token"},
	{Inspect, "Inspect", "the agent's hardware report"},
	{Install, "Install", "the agent to write the image"},
	{DiskBoot, "Boot to disk", "the BMC to boot the machine from its disk"},
	{PhoneHome, "Phone home", "the installed OS to phone home"},
}

// Keys lists the phase keys in journey order.
func Keys() []string {
	out := make([]string, len(phases))
	for i, p := range phases {
		out[i] = p.key
	}
	return out
}

func index(key string) int {
	for i, p := range phases {
		if p.key == key {
			return i
		}
	}
	return -1
}

// Classify returns the phase event e belongs to ("" for none). reached is
// the furthest phase key the attempt got to before e ("" for none): once
// it reached install, power and network boot events belong to booting the
// installed disk.
func Classify(e *store.Event, reached string) string {
	t := e.Type
	afterInstall := index(reached) >= index(Install)
	switch {
	case t == "state":
		return stateInPhase(e.From, e.To)
	case t == "power.disk-boot": // agent.EventDiskBoot
		return DiskBoot
	case strings.HasPrefix(t, "power.") || t == "bootdev.set" || isPowerOperation(e):
		if afterInstall || strings.Contains(e.Message+string(e.Data), "disk") {
			return DiskBoot
		}
		return Power
	case strings.HasPrefix(t, "dhcp."), strings.HasPrefix(t, "tftp."), strings.HasPrefix(t, "boot."):
		return netboot(t, afterInstall)
	case strings.HasPrefix(t, "agent."):
		return agentPhase(t)
	case strings.HasPrefix(t, "inspect."), strings.HasPrefix(t, "hardware."), strings.HasPrefix(t, "bom."):
		return Inspect
	case strings.HasPrefix(t, "install."), strings.HasPrefix(t, "image."):
		return Install
	case strings.HasPrefix(t, "os."), strings.HasPrefix(t, "phonehome."), strings.HasPrefix(t, "phone-home."),
		strings.HasPrefix(t, "kube."), strings.HasPrefix(t, "node."):
		return PhoneHome
	}
	return ""
}

// netboot places a DHCP, TFTP or boot endpoint event: the agent's netboot,
// or, after the install, the installed OS booting.
func netboot(t string, afterInstall bool) string {
	switch {
	case afterInstall:
		return DiskBoot
	case strings.HasPrefix(t, "dhcp."):
		return DHCP
	case strings.HasPrefix(t, "tftp."):
		return TFTP
	case t == "boot.script":
		return Script
	}
	return Kernel
}

// agentPhase places an agent.* event (agent.claimed, agent.claim-refused,
// and older names that said what the agent was doing).
func agentPhase(t string) string {
	switch {
	case strings.Contains(t, "inspect") || strings.Contains(t, "hardware"):
		return Inspect
	case strings.Contains(t, "install") || strings.Contains(t, "image"):
		return Install
	}
	return Agent
}

func isPowerOperation(e *store.Event) bool {
	return strings.HasPrefix(e.Type, "operation.") &&
		(strings.HasPrefix(e.Reason, "power-") || e.Reason == "bootdev")
}

// stateInPhase is the phase a state change completes or continues.
func stateInPhase(from, to string) string {
	switch {
	case from == string(machine.Inspecting) && to == string(machine.Ready):
		return Inspect
	case from == string(machine.Provisioning) && to == string(machine.Provisioned):
		return Install
	case to == string(machine.Booting):
		return DiskBoot
	case to == string(machine.Joining), to == string(machine.Active):
		return PhoneHome
	}
	return ""
}

// StartsAttempt reports whether e begins a new attempt of the journey (a
// state change into a step that netboots the machine, or a reset).
func StartsAttempt(e *store.Event) bool {
	if e.Type == "state" {
		return e.To == string(machine.Inspecting) || e.To == string(machine.Provisioning) ||
			e.To == string(machine.Registered)
	}
	return false
}

// goal is the last phase the step a transient state stands for ends with
// (-1 when the state is not a step).
func goal(state string) int {
	switch machine.State(state) {
	case machine.Inspecting:
		return index(Inspect)
	case machine.Provisioning:
		return index(Install)
	case machine.Booting, machine.Joining:
		return index(PhoneHome)
	}
	return -1
}
