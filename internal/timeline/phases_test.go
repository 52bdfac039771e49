package timeline

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/store"
)

// TestClassify is the rule table: which event goes to which phase, before
// and after the attempt reached the install.
func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		name    string
		e       store.Event
		reached string
		want    string
	}{
		{"power on", store.Event{Type: "power.on"}, "", Power},
		{"boot device pxe", store.Event{Type: "bootdev.set", Message: "pxe"}, "", Power},
		{"power operation", store.Event{Type: "operation.succeeded", Reason: "power-on"}, "", Power},
		{"other operation", store.Event{Type: "operation.succeeded", Reason: "inspect"}, "", ""},
		{"dhcp", store.Event{Type: "dhcp.ack"}, Power, DHCP},
		{"tftp", store.Event{Type: "tftp.read"}, DHCP, TFTP},
		{"ipxe script", store.Event{Type: "boot.script"}, TFTP, Script},
		{"kernel", store.Event{Type: "boot.kernel"}, Script, Kernel},
		{"initrd", store.Event{Type: "boot.initrd"}, Kernel, Kernel},
		{"agent claimed", store.Event{Type: agent.EventClaimed}, Kernel, Agent},
		{"claim refused", store.Event{Type: agent.EventClaimRefused}, Kernel, Agent},
		{"inventory reported", store.Event{Type: agent.EventInventory}, Agent, Inspect},
		{"bom check", store.Event{Type: agent.EventBOM, Reason: "ok"}, Inspect, Inspect},
		{"inspected", store.Event{Type: "state", From: "inspecting", To: "ready"}, Inspect, Inspect},
		{"install started", store.Event{Type: agent.EventInstallStart}, Inspect, Install},
		{"install progress", store.Event{Type: agent.EventProgress}, Install, Install},
		{"install done", store.Event{Type: agent.EventInstalled}, Install, Install},
		{"install failed", store.Event{Type: agent.EventInstallFailed}, Install, Install},
		{"wiped", store.Event{Type: agent.EventWiped}, Inspect, Install},
		{"installed", store.Event{Type: "state", From: "provisioning", To: "provisioned"}, Install, Install},
		{"disk boot", store.Event{Type: agent.EventDiskBoot}, Install, DiskBoot},
		{"disk boot even before an install", store.Event{Type: agent.EventDiskBoot}, "", DiskBoot},
		{"power after install", store.Event{Type: "power.reset"}, Install, DiskBoot},
		{"dhcp after install", store.Event{Type: "dhcp.ack"}, Install, DiskBoot},
		{"to booting", store.Event{Type: "state", From: "provisioned", To: "booting"}, Install, DiskBoot},
		{"phoned home", store.Event{Type: agent.EventPhonedHome}, DiskBoot, PhoneHome},
		{"to joining", store.Event{Type: "state", From: "booting", To: "joining"}, PhoneHome, PhoneHome},
		{"to active", store.Event{Type: "state", From: "joining", To: "active"}, PhoneHome, PhoneHome},
		{"to failed", store.Event{Type: "state", From: "provisioning", To: "failed"}, Install, ""},
		{"to provisioning", store.Event{Type: "state", From: "ready", To: "provisioning"}, "", ""},
		{"inventory apply", store.Event{Type: "inventory.apply"}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Classify(&tt.e, tt.reached))
		})
	}
}

func TestStartsAttempt(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     bool
	}{
		{"registered", "inspecting", true},
		{"ready", "provisioning", true},
		{"failed", "registered", true},
		{"provisioned", "booting", false},
		{"provisioning", "failed", false},
		{"inspecting", "ready", false},
	} {
		assert.Equal(t, tt.want, StartsAttempt(&store.Event{Type: "state", From: tt.from, To: tt.to}), "%s → %s", tt.from, tt.to)
	}
	assert.False(t, StartsAttempt(&store.Event{Type: "power.on"}))
}
