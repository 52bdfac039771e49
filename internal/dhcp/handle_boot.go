package dhcp

import (
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/iana"
)

// boot adds what a network-booting client needs to an OFFER or ACK:
//   - iPXE already running: the per-machine script URL and option 175.176 = 1
//     (do not wait for proxyDHCP offers);
//   - UEFI HTTP boot: the iPXE binary's HTTP URL and option 60 HTTPClient;
//   - firmware PXE: the TFTP boot file for its option 93, siaddr and option
//     66 = our address, option 60 PXEClient (echoed, as PXE requires).
//
// Option 97 (the client's UUID) is echoed, as some PXE ROMs require.
func (e *engine) boot(p *Packet) verdict {
	r := p.Reply
	if r == nil || r.MessageType() == dhcpv4.MessageTypeNak || !p.Client.boots() {
		return next
	}
	base := e.cfg.BootURL(p.Server)
	var file string
	switch {
	case p.Client.IPXE:
		file = base + "/boot/ipxe/" + p.MAC
		r.UpdateOption(dhcpv4.OptGeneric(optionIPXE, []byte{ipxeNoPXEDHCP, 1, 1}))
	case p.Client.HTTP:
		if name := e.httpBootFile(p.Client); name != "" {
			file = base + "/boot/bin/" + name
		}
		r.UpdateOption(dhcpv4.OptClassIdentifier(vendorClassHTTP))
	default:
		file = e.tftpBootFile(p.Client)
		r.ServerIPAddr = toIP(p.Server)
		r.UpdateOption(dhcpv4.OptTFTPServerName(p.Server.String()))
		r.UpdateOption(dhcpv4.OptClassIdentifier(vendorClassPXE))
		// Discovery control "use the boot file": without option 43, EDK2
		// (OVMF) treats a full-mode offer as BINL and asks port 4011, which
		// only a proxy answers, then gives up with PXE-E16.
		r.UpdateOption(dhcpv4.OptGeneric(dhcpv4.OptionVendorSpecificInformation,
			[]byte{pxeDiscoveryControl, 1, pxeDiscoveryBootFile, 255}))
	}
	if uuid := p.Req.Options.Get(dhcpv4.OptionClientMachineIdentifier); len(uuid) > 0 {
		r.UpdateOption(dhcpv4.OptGeneric(dhcpv4.OptionClientMachineIdentifier, uuid))
	}
	if file == "" {
		e.log.Warn("dhcp: no boot file for this client architecture", "mac", p.MAC, "arch", p.Client.archName(),
			"client_arch", uint16(p.Client.Arch), "vendor_class", p.Client.VendorClass)
		return next
	}
	r.BootFileName = file
	r.UpdateOption(dhcpv4.OptBootFileName(file))
	return next
}

// tftpBootFile is the iPXE binary a firmware PXE client fetches over TFTP.
func (e *engine) tftpBootFile(c Client) string {
	f := e.cfg.BootFiles
	if !c.HasArch {
		return f.BIOS
	}
	switch c.Arch {
	case iana.INTEL_X86PC:
		return f.BIOS
	case iana.EFI_X86_64, iana.EFI_BC:
		return f.UEFI
	case iana.EFI_ARM64:
		return f.ARM64
	}
	return ""
}

// httpBootFile is the iPXE binary a UEFI HTTP boot client fetches.
func (e *engine) httpBootFile(c Client) string {
	if c.HasArch && c.Arch == iana.EFI_ARM64_HTTP {
		return e.cfg.BootFiles.ARM64HTTP
	}
	return e.cfg.BootFiles.HTTP
}
