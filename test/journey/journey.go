// Package journey is the virtual rack tier of the machine journey: QEMU
// machines go from powered off to booted from disk with an installed image
// entirely through Slipway (BMC, DHCP, TFTP, boot HTTP, agent, install,
// boot to disk, phone home), driven only by the CLI as a user would. The
// helpers here are shared by the tests and test/bench/journey.
//
// Gated by SLIPWAY_VM=1 (and root, SLIPWAY_BIN, the built agent and
// images: make images-agent images-tiny); SLIPWAY_VM_DEBIAN=1 adds the
// Debian image variant.
package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/test/rack"
)

// Phases are the rows of the timeline `slipway describe machine` prints
// for a provisioning attempt, in order. TFTP is done only by UEFI machines
// (BIOS machines boot QEMU's iPXE ROM, already iPXE).
var Phases = []string{"Power on", "DHCP", "TFTP", "iPXE script", "Kernel + initrd", "Agent", "Inspect",
	"Install", "Boot to disk", "Phone home"}

// Machine reads the machine through `slipway get machine NAME -o json`.
func Machine(ctx context.Context, r *rack.Rack, name string) (api.Machine, error) {
	out, err := r.CLI(ctx, "get", "machine", name, "-o", "json")
	if err != nil {
		return api.Machine{}, err
	}
	var m api.Machine
	if err := json.Unmarshal([]byte(out), &m); err == nil && m.Name != "" {
		return m, nil
	}
	var l api.List[api.Machine]
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Items) != 1 {
		return api.Machine{}, fmt.Errorf("get machine %s -o json: not one machine: %s", name, out)
	}
	return l.Items[0], nil
}

// WaitState polls the machine until it is in one of states and returns
// it; a failed machine ends the wait with an error naming its stage and
// reason (unless failed is one of states).
func WaitState(ctx context.Context, r *rack.Rack, name string, timeout time.Duration, states ...string) (api.Machine, error) {
	deadline := time.Now().Add(timeout)
	var m api.Machine
	var err error
	for {
		m, err = Machine(ctx, r, name)
		if err == nil {
			for _, s := range states {
				if m.State == s {
					return m, nil
				}
			}
			if m.State == "failed" {
				return m, fmt.Errorf("%s failed in %s: %s", name, m.FailedStage, m.StateReason)
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return m, fmt.Errorf("%s: not %s after %s (state %s, phase %s, err %v)", name,
				strings.Join(states, "|"), timeout, m.State, m.Phase, err)
		}
		time.Sleep(time.Second) // polling the appliance through the CLI, as a user would
	}
}

var rowRe = regexp.MustCompile(`(?m)^\s+(` + strings.Join(quoteAll(Phases), "|") + `)\s+(\S+)\s+(\S+)`)

// Timeline parses the phase rows of `slipway describe machine`: phase →
// status and duration ("done", 3.3s).
func Timeline(describe string) map[string]Row {
	out := map[string]Row{}
	for _, m := range rowRe.FindAllStringSubmatch(describe, -1) {
		row := Row{Status: m[2]}
		if d, err := time.ParseDuration(m[3]); err == nil {
			row.Took = d
		}
		out[m[1]] = row
	}
	return out
}

// Row is one phase of the timeline.
type Row struct {
	Status string
	Took   time.Duration
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = regexp.QuoteMeta(s)
	}
	return out
}

// WaitEvent polls the events of machine until one of type typ appears.
func WaitEvent(ctx context.Context, r *rack.Rack, machine, typ string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		out, err := r.CLI(ctx, "events", "--machine", machine, "--type", typ)
		if err == nil && strings.Contains(out, typ) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: no %s event after %s (%v)", machine, typ, timeout, err)
		}
		time.Sleep(500 * time.Millisecond) // polling the appliance through the CLI
	}
}
