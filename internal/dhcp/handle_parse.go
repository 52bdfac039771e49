package dhcp

import (
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/iana"
)

// parse checks the request is one a server answers and reads the client's
// identity: a BOOTREQUEST from an Ethernet client with a message type a
// server handles.
func (e *engine) parse(p *Packet) verdict {
	r := p.Req
	switch {
	case r.OpCode != dhcpv4.OpcodeBootRequest:
		return p.dropped("not-request")
	case r.HWType != iana.HWTypeEthernet || len(r.ClientHWAddr) != 6:
		return p.dropped("bad-hwaddr")
	}
	p.Type = r.MessageType()
	switch p.Type {
	case dhcpv4.MessageTypeDiscover, dhcpv4.MessageTypeRequest, dhcpv4.MessageTypeDecline,
		dhcpv4.MessageTypeRelease, dhcpv4.MessageTypeInform:
	case dhcpv4.MessageTypeNone:
		return p.dropped("no-message-type")
	default:
		return p.dropped("bad-message-type")
	}
	if len(r.Options.Get(dhcpv4.OptionDHCPMessageType)) != 1 {
		return p.dropped("bad-message-type")
	}
	p.MAC = r.ClientHWAddr.String()
	p.Client = clientOf(r)
	return next
}
