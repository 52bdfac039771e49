package dhcp

import (
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/slipway-dev/slipway/internal/store"
)

// Well-known ports.
const (
	ServerPort = 67   // DHCP server (and relay agents)
	ClientPort = 68   // DHCP client
	PXEPort    = 4011 // PXE boot server discovery (proxyDHCP)
)

// Inbound says where a packet arrived.
type Inbound struct {
	Iface string // interface the socket is bound to
	Port  int    // local port (67 or 4011)
	Peer  *net.UDPAddr
}

// Packet is one request on its way through the handler chain, and what the
// handlers decided about it.
type Packet struct {
	Req    *dhcpv4.DHCPv4
	In     Inbound
	Type   dhcpv4.MessageType
	MAC    string // lower case colon form
	Client Client

	Net    *Network
	Server netip.Addr // our address on the network (option 54, siaddr)
	// Machine is the known machine with this MAC ("" for an unknown MAC).
	Machine     string
	Reservation *reservation
	// Addr is the address the client gets (yiaddr); Hostname its option 12.
	Addr     netip.Addr
	Hostname string

	// Reply is the answer being built (nil: no answer).
	Reply *dhcpv4.DHCPv4
	Dst   *net.UDPAddr
	// Write is what must be stored for this packet; when Gate is set the
	// reply leaves only after it is committed.
	Write write
	Gate  bool
	// Drop is the reason the packet was dropped.
	Drop string
}

// verdict is a handler's outcome.
type verdict uint8

const (
	next verdict = iota // go on with the next handler
	stop                // the packet is handled (Reply may be nil: nothing to send)
	drop                // the packet is dropped; Packet.Drop says why
)

// dropped records reason and drops the packet.
func (p *Packet) dropped(reason string) verdict {
	p.Drop = reason
	return drop
}

// handler is one step of the chain.
type handler struct {
	name string
	fn   func(p *Packet) verdict
}

// chain lists the handlers, in order. This is the one place they are
// registered.
func (e *engine) chain() []handler {
	return []handler{
		{"parse", e.parse},
		{"network", e.selectNetwork},
		{"reservation", e.reservation},
		{"discovery", e.discovery},
		{"lease", e.lease},
		{"boot", e.boot},
		{"reply", e.reply},
	}
}

// run passes p through the chain and returns the final verdict.
func (e *engine) run(p *Packet) verdict {
	for _, h := range e.handlers {
		if v := h.fn(p); v != next {
			return v
		}
	}
	return stop
}

// handleBytes decodes raw and runs the chain (the whole path a packet from
// the wire takes, used by the server and the fuzz test).
func (e *engine) handleBytes(raw []byte, in Inbound) *Packet {
	req, err := dhcpv4.FromBytes(raw)
	if err != nil {
		return &Packet{In: in, Drop: "decode"}
	}
	p := &Packet{Req: req, In: in}
	e.run(p)
	return p
}

// write is a batch of rows stored for one or more packets in one
// transaction.
type write struct {
	leases []store.Lease
	events []store.Event
	// discovered is a machine to create (state discovered) unless its MAC
	// is known by then.
	discovered []discovery
}

func (w *write) empty() bool {
	return len(w.leases) == 0 && len(w.events) == 0 && len(w.discovered) == 0
}

// discovery is an unknown machine seen booting.
type discovery struct {
	machine store.Machine
	message string
	// event is the dhcp.ack event recorded on the machine once it exists.
	event store.Event
}
