package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/bom"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// Inventory records the agent's hardware report, runs the BOM check and
// answers with the next task: for an inspection, power off (the machine is
// ready, or failed when the BOM check blocks); for a provisioning, the
// install of the declared image (or power off when it cannot go on).
func (s *Service) Inventory(ctx context.Context, r Request, token string, inv agent.Inventory) (agent.Task, error) {
	if err := ValidateInventory(inv); err != nil {
		return agent.Task{}, err
	}
	var task agent.Task
	err := s.update(ctx, func(tx *store.Tx) error {
		m, err := session(tx, token)
		if err != nil {
			return err
		}
		if m.Hardware, err = json.Marshal(inv); err != nil {
			return err
		}
		if err := tx.UpdateMachine(&m, m.Revision); err != nil {
			return err
		}
		if err := event(tx, m.Name, agent.EventInventory, "reported", summary(inv), nil); err != nil {
			return err
		}
		if task, err = s.afterInspect(tx, r, m, inv); err != nil || task.Action != agent.ActionPowerOff {
			return err
		}
		_, err = tx.RevokeAgentSessions(m.Name, store.AgentSessionAgent) // this agent is done
		return err
	})
	return task, err
}

// afterInspect decides what follows an inventory report.
func (s *Service) afterInspect(tx *store.Tx, r Request, m store.Machine, inv agent.Inventory) (agent.Task, error) {
	spec, err := machineSpec(tx, m.Name)
	if err != nil {
		return agent.Task{}, err
	}
	res := bom.Check(spec.Hardware, inv)
	reason := "ok"
	switch {
	case res.Blocks():
		reason = "mismatch"
	case !res.OK():
		reason = "warn"
	}
	if err := event(tx, m.Name, agent.EventBOM, reason, "BOM check: "+res.String(), map[string]any{"diffs": res.Diffs}); err != nil {
		return agent.Task{}, err
	}
	cause := machine.Cause{Reason: "agent", Actor: "agent"}
	if res.Blocks() {
		cause.Message = "BOM check: " + res.String()
		if _, err := machine.Transition(tx, m.Name, machine.Fail, cause); err != nil {
			return agent.Task{}, err
		}
		return agent.Task{Action: agent.ActionPowerOff, Reason: cause.Message}, nil
	}
	switch machine.State(m.State) {
	case machine.Provisioning:
		return s.installTask(tx, r, m, spec)
	case machine.Inspecting:
		if wipeRequested(tx, m.Name) {
			return agent.Task{Action: agent.ActionWipe, Reason: "deprovision: wipe the disks"}, nil
		}
		cause.Message = "inspected: " + res.String()
		if _, err := machine.Transition(tx, m.Name, machine.Inspected, cause); err != nil {
			return agent.Task{}, err
		}
		return agent.Task{Action: agent.ActionPowerOff, Reason: "inspection done"}, nil
	}
	return agent.Task{Action: agent.ActionPowerOff, Reason: m.Name + " is " + m.State}, nil
}

// wipeRequested reports whether the current inspection was started by a
// deprovision (the disks are wiped before the machine is ready again).
func wipeRequested(tx *store.Tx, name string) bool {
	evs, err := tx.ListEvents(store.EventFilter{Machine: name, Type: "state", BeforeID: 1 << 62, Limit: 1})
	return err == nil && len(evs) == 1 && evs[0].Cause == string(machine.Deprovision)
}

// summary is the inventory in one line: "1 cpu (QEMU Virtual CPU), 1.0 GiB,
// disks: vda 2 GiB hdd, nics: ens3 52:54:00:77:00:05 up, bios".
func summary(inv agent.Inventory) string {
	disks := make([]string, 0, len(inv.Disks))
	for _, d := range inv.Disks {
		disks = append(disks, strings.TrimSpace(fmt.Sprintf("%s %s %s", d.Name, gib(d.SizeBytes), d.Type)))
	}
	nics := make([]string, 0, len(inv.NICs))
	for _, n := range inv.NICs {
		link := "down"
		if n.Link {
			link = "up"
		}
		nics = append(nics, n.Name+" "+n.MAC+" "+link)
	}
	cpu := fmt.Sprintf("%d cpu", inv.CPU.Threads)
	if inv.CPU.Model != "" {
		cpu += " (" + inv.CPU.Model + ")"
	}
	return fmt.Sprintf("%s, %s memory, disks: %s, nics: %s, %s", cpu, gib(inv.MemoryBytes),
		orNone(strings.Join(disks, "; ")), orNone(strings.Join(nics, "; ")), inv.Firmware)
}

func gib(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/bom.GiB) }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ValidateInventory checks a report names its fields sanely (the agent is
// outside the appliance's trust: its input is network input).
func ValidateInventory(inv agent.Inventory) error {
	bad := func(field, format string, args ...any) error {
		return refuse(http.StatusBadRequest, field, field+": "+format, args...)
	}
	if inv.Firmware != "bios" && inv.Firmware != "uefi" {
		return bad("firmware", "%q: want bios or uefi", inv.Firmware)
	}
	if inv.MemoryBytes < 0 || inv.CPU.Threads < 0 || inv.CPU.Cores < 0 || inv.CPU.Sockets < 0 {
		return bad("cpu", "negative counts")
	}
	if len(inv.Disks) > 256 || len(inv.NICs) > 256 {
		return bad("disks", "too many devices (%d disks, %d nics)", len(inv.Disks), len(inv.NICs))
	}
	for i, d := range inv.Disks {
		if d.Name == "" || !strings.HasPrefix(d.Path, "/dev/") || d.SizeBytes < 0 {
			return bad(fmt.Sprintf("disks[%d]", i), "name, a /dev path and a size are required")
		}
	}
	for i, n := range inv.NICs {
		if n.Name == "" {
			return bad(fmt.Sprintf("nics[%d].name", i), "required")
		}
	}
	return nil
}
