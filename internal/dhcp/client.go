package dhcp

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/iana"
)

// iPXE's encapsulated options (175) and the sub-option that tells it not to
// wait for proxyDHCP offers.
const (
	optionIPXE           dhcpv4.GenericOptionCode = 175
	ipxeNoPXEDHCP                                 = 176
	vendorClassPXE                                = "PXEClient"
	vendorClassHTTP                               = "HTTPClient"
	pxeDiscoveryControl                           = 6 // option 43 sub-option
	pxeDiscoveryBootFile                          = 8 // "use the boot file name, no boot server discovery"
)

// Client is what a request says about the client.
type Client struct {
	// Arch is option 93 (first value); HasArch says it was sent.
	Arch    iana.Arch
	HasArch bool
	// VendorClass is option 60, UserClass option 77.
	VendorClass string
	UserClass   []string
	// UUID is option 97 (the machine's SMBIOS UUID), ClientID option 61 in hex.
	UUID     string
	ClientID string
	// PXE: firmware PXE (vendor class PXEClient); HTTP: UEFI HTTP boot;
	// IPXE: iPXE is already running (user class iPXE or option 175).
	PXE, HTTP, IPXE bool
}

func clientOf(req *dhcpv4.DHCPv4) Client {
	c := Client{VendorClass: req.ClassIdentifier(), UserClass: req.UserClass()}
	if archs := req.ClientArch(); len(archs) > 0 {
		c.Arch, c.HasArch = archs[0], true
	}
	if id := req.Options.Get(dhcpv4.OptionClientIdentifier); len(id) > 0 {
		c.ClientID = hex.EncodeToString(id)
	}
	c.UUID = uuidOf(req.Options.Get(dhcpv4.OptionClientMachineIdentifier))
	c.PXE = strings.HasPrefix(c.VendorClass, vendorClassPXE)
	c.HTTP = strings.HasPrefix(c.VendorClass, vendorClassHTTP) ||
		c.HasArch && slices.Contains([]iana.Arch{iana.EFI_X86_64_HTTP, iana.EFI_ARM64_HTTP}, c.Arch)
	c.IPXE = req.Options.Has(optionIPXE) || slices.Contains(c.UserClass, "iPXE") ||
		strings.Contains(string(req.Options.Get(dhcpv4.OptionUserClassInformation)), "iPXE")
	return c
}

// boots reports whether the client is network-booting.
func (c Client) boots() bool { return c.PXE || c.HTTP || c.IPXE }

// archName is the machine architecture ("x86_64", "arm64") of option 93.
func (c Client) archName() string {
	if !c.HasArch {
		return ""
	}
	switch c.Arch {
	case iana.EFI_ARM64, iana.EFI_ARM64_HTTP:
		return "arm64"
	case iana.EFI_IA32, iana.EFI_X86_HTTP:
		return "i386"
	case iana.INTEL_X86PC, iana.EFI_X86_64, iana.EFI_BC, iana.EFI_X86_64_HTTP:
		return "x86_64"
	}
	return fmt.Sprintf("arch-%d", uint16(c.Arch))
}

// firmware is "bios" or "uefi" (from option 93).
func (c Client) firmware() string {
	switch {
	case !c.HasArch:
		return ""
	case c.Arch == iana.INTEL_X86PC:
		return "bios"
	}
	return "uefi"
}

// uuidOf formats option 97 (type 0, then 16 bytes) as a UUID.
func uuidOf(b []byte) string {
	if len(b) != 17 || b[0] != 0 {
		return ""
	}
	u := hex.EncodeToString(b[1:])
	return u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:]
}
