package bmc

import (
	"context"
	"fmt"
	"slices"
)

// Power states as Slipway records them on a machine.
const (
	PowerOn      = "on"
	PowerOff     = "off"
	PowerUnknown = "unknown"
)

// PowerAction is a power command.
type PowerAction string

// Power commands.
const (
	ActionOn    PowerAction = "on"
	ActionOff   PowerAction = "off"  // immediate
	ActionSoft  PowerAction = "soft" // ask the OS to shut down
	ActionCycle PowerAction = "cycle"
	ActionReset PowerAction = "reset"
)

// Wants is the power state a verified action ends in.
func (a PowerAction) Wants() string {
	if a == ActionOff || a == ActionSoft {
		return PowerOff
	}
	return PowerOn
}

// BootDevices are the devices SetBootDevice accepts.
var BootDevices = []string{"pxe", "disk", "cdrom", "bios"}

// Boot is a next-boot override.
type Boot struct {
	Device     string // pxe | disk | cdrom | bios
	Persistent bool   // every boot, not only the next one
	UEFI       bool   // UEFI boot (else legacy BIOS)
}

func (b Boot) String() string {
	s := b.Device
	if b.Persistent {
		s += " persistent"
	} else {
		s += " once"
	}
	if b.UEFI {
		return s + ", UEFI"
	}
	return s + ", legacy"
}

// Validate checks the device name.
func (b Boot) Validate() error {
	if !slices.Contains(BootDevices, b.Device) {
		return fmt.Errorf("boot device %q: want one of %v", b.Device, BootDevices)
	}
	return nil
}

// BootReadback is what a BMC reports about its boot override. Flags says
// whether Persistent and UEFI were read back (some BMCs, ipmi_sim among
// them, keep only the device).
type BootReadback struct {
	Boot
	Flags bool
}

// Info is a BMC's inventory.
type Info struct {
	Vendor   string `json:"vendor"`
	Model    string `json:"model"`
	Firmware string `json:"firmware"`
}

// SELEntry is one IPMI system event log entry.
type SELEntry struct {
	ID      string `json:"id"`
	Time    string `json:"time"`
	Sensor  string `json:"sensor"`
	Message string `json:"message"`
}

// Client is one open connection to a BMC. Methods return *Error values
// whose messages hold no secrets.
type Client interface {
	PowerState(ctx context.Context) (string, error)
	SetPower(ctx context.Context, a PowerAction) error
	SetBootDevice(ctx context.Context, b Boot) error
	// BootDevice reads the override back; ErrUnsupported when the
	// protocol cannot.
	BootDevice(ctx context.Context) (BootReadback, error)
	// SetVirtualMedia inserts the ISO at url as a CD, or ejects when url
	// is empty (Redfish only).
	SetVirtualMedia(ctx context.Context, url string) error
	Inventory(ctx context.Context) (Info, error)
	SEL(ctx context.Context) ([]SELEntry, error)
	Close(ctx context.Context) error
}

// Target is a BMC with its credentials.
type Target struct {
	Endpoint Endpoint
	Username string
	Password string
	// InsecureSkipVerify accepts a Redfish BMC's self-signed certificate.
	InsecureSkipVerify bool
}

// Dialer opens clients. The bmclib dialer is the real one; tests may use
// their own.
type Dialer interface {
	Dial(ctx context.Context, t Target) (Client, error)
}
