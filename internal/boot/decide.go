package boot

import (
	"fmt"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// Variant is the kind of script a machine is given; each has a template
// ipxe/<variant>.ipxe.tmpl.
type Variant string

// The script variants.
const (
	VariantAgent Variant = "agent" // boot the agent's kernel and initramfs
	VariantDisk  Variant = "disk"  // boot from the local disk
	VariantDeny  Variant = "deny"  // print why not, hand back to the firmware
	VariantWait  Variant = "wait"  // unknown yet on a discovery network: ask again
)

// Network is what the decision needs to know about the machine's network.
type Network struct {
	Name      string // empty when no network was found
	Discovery bool
}

// Decision is which script a request gets, and why.
type Decision struct {
	Variant Variant
	// Why is the human explanation (printed by deny and wait scripts, and
	// recorded with boot.denied).
	Why string
}

// Decide chooses the script for a machine m (nil when the MAC is unknown)
// on network n. mac is the requested MAC (lower case).
func Decide(m *store.Machine, mac string, n Network) Decision {
	if m == nil {
		return decideUnknown(mac, n)
	}
	switch st := machine.State(m.State); st {
	case machine.Inspecting, machine.Provisioning:
		return Decision{Variant: VariantAgent}
	case machine.Discovered:
		if n.Discovery {
			return Decision{Variant: VariantAgent}
		}
		return deny("%s is discovered but %s has discovery off", m.Name, networkName(n))
	case machine.Provisioned, machine.Booting, machine.Joining, machine.Active:
		return Decision{Variant: VariantDisk}
	case machine.Registered:
		return deny("%s is registered: nothing to boot until it is inspected or provisioned", m.Name)
	case machine.Ready:
		return deny("%s is ready: nothing to boot until it is provisioned", m.Name)
	case machine.Failed:
		return deny("%s failed in %s: %s", m.Name, orDash(m.FailedStage), orDash(m.StateReason))
	case machine.Maintenance:
		return deny("%s is in maintenance: %s", m.Name, orDash(m.StateReason))
	default:
		return deny("%s is in unknown state %q", m.Name, st)
	}
}

func decideUnknown(mac string, n Network) Decision {
	switch {
	case n.Name == "":
		return deny("%s is not in the inventory and is on no declared network", mac)
	case !n.Discovery:
		return deny("%s is not in the inventory and network %s has discovery off", mac, n.Name)
	}
	return Decision{Variant: VariantWait,
		Why: fmt.Sprintf("%s is not known yet (network %s has discovery on)", mac, n.Name)}
}

func deny(format string, args ...any) Decision {
	return Decision{Variant: VariantDeny, Why: fmt.Sprintf(format, args...)}
}

func networkName(n Network) string {
	if n.Name == "" {
		return "its network (none found)"
	}
	return "network " + n.Name
}

func orDash(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}
