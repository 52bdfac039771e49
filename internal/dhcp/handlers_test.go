package dhcp

import (
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is what a test checks of a handled packet.
type outcome struct {
	Drop     string
	Type     string
	YIAddr   string
	File     string
	Hostname string
	Dst      string
}

func outcomeOf(p *Packet) outcome {
	o := outcome{Drop: p.Drop}
	if p.Reply != nil {
		o.Type = p.Reply.MessageType().String()
		if !p.Reply.YourIPAddr.IsUnspecified() {
			o.YIAddr = p.Reply.YourIPAddr.String()
		}
		o.File = p.Reply.BootFileName
		o.Hostname = p.Reply.HostName()
	}
	if p.Dst != nil {
		o.Dst = p.Dst.String()
	}
	return o
}

func TestChain(t *testing.T) {
	withOp := func(op dhcpv4.OpcodeType) dhcpv4.Modifier { return func(d *dhcpv4.DHCPv4) { d.OpCode = op } }
	cases := []struct {
		name  string
		req   func(t *testing.T) *dhcpv4.DHCPv4
		iface string
		port  int
		peer  *net.UDPAddr
		want  outcome
	}{
		// parse
		{"reply from a client", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), withOp(dhcpv4.OpcodeBootReply)) },
			"eth0", 0, nil, outcome{Drop: "not-request"}},
		{"not ethernet", func(t *testing.T) *dhcpv4.DHCPv4 {
			return discover(t, mac(1), dhcpv4.WithHwAddr(net.HardwareAddr{1, 2, 3}))
		},
			"eth0", 0, nil, outcome{Drop: "bad-hwaddr"}},
		{"no message type", func(t *testing.T) *dhcpv4.DHCPv4 {
			return discover(t, mac(1), dhcpv4.WithoutOption(dhcpv4.OptionDHCPMessageType))
		}, "eth0", 0, nil, outcome{Drop: "no-message-type"}},
		{"offer from a client", func(t *testing.T) *dhcpv4.DHCPv4 {
			return discover(t, mac(1), dhcpv4.WithMessageType(dhcpv4.MessageTypeOffer))
		}, "eth0", 0, nil, outcome{Drop: "bad-message-type"}},
		// network
		{"unknown interface", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1)) },
			"eth9", 0, nil, outcome{Drop: "no-network"}},
		{"unknown relay", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), relayed("10.9.9.9")) },
			"eth0", 0, nil, outcome{Drop: "unknown-relay"}},
		{"proxy ignores plain clients", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1)) },
			"eth2", 0, nil, outcome{Drop: "proxy-not-pxe"}},
		{"4011 on a full network", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), biosPXE...) },
			"eth0", PXEPort, nil, outcome{Drop: "no-network"}},
		// reservation
		{"reserved machine", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1)) },
			"eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.0.10", Hostname: "r1-u01", Dst: "255.255.255.255:68"}},
		{"reserved on a discovery-off network", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(2)) },
			"eth1", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.1.10", Hostname: "r1-u02", Dst: "255.255.255.255:68"}},
		// discovery
		{"unknown MAC, discovery off", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(0x10)) },
			"eth1", 0, nil, outcome{Drop: "denied"}},
		{"unknown MAC, pool", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(0x10)) },
			"eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.0.100", Dst: "255.255.255.255:68"}},
		{"unknown PXE client gets its discovered name", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(0x10), biosPXE...) },
			"eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.0.100", File: "undionly.kpxe", Hostname: "disc-525400000010", Dst: "255.255.255.255:68"}},
		{"pool honours a free requested address", func(t *testing.T) *dhcpv4.DHCPv4 {
			return discover(t, mac(0x10), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP("198.18.0.120"))))
		}, "eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.0.120", Dst: "255.255.255.255:68"}},
		{"pool never hands out a reserved address", func(t *testing.T) *dhcpv4.DHCPv4 {
			return discover(t, mac(0x10), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP("198.18.0.10"))))
		}, "eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.0.100", Dst: "255.255.255.255:68"}},
		// lease
		{"request without offer (init-reboot) of a pool address", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(0x10), "198.18.0.101", "") },
			"eth0", 0, nil, outcome{Type: "ACK", YIAddr: "198.18.0.101", Dst: "255.255.255.255:68"}},
		{"request of another machine's reserved address", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(0x10), "198.18.0.10", "") },
			"eth0", 0, nil, outcome{Type: "NAK", Dst: "255.255.255.255:68"}},
		{"request outside the subnet", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(1), "10.1.1.1", "") },
			"eth0", 0, nil, outcome{Type: "NAK", Dst: "255.255.255.255:68"}},
		{"reserved machine asks for another address", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(1), "198.18.0.11", "") },
			"eth0", 0, nil, outcome{Type: "NAK", Dst: "255.255.255.255:68"}},
		{"request to another server", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(1), "198.18.0.10", "198.18.0.250") },
			"eth0", 0, nil, outcome{Drop: "other-server"}},
		{"renewal goes to ciaddr", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(1), "", "", dhcpv4.WithClientIP(net.ParseIP("198.18.0.10")))
		}, "eth0", 0, nil, outcome{Type: "ACK", YIAddr: "198.18.0.10", Hostname: "r1-u01", Dst: "198.18.0.10:68"}},
		{"inform", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(1), "", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeInform), dhcpv4.WithClientIP(net.ParseIP("198.18.0.10")))
		}, "eth0", 0, nil, outcome{Type: "ACK", Hostname: "r1-u01", Dst: "198.18.0.10:68"}},
		{"release of an address not held", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(1), "", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease), dhcpv4.WithClientIP(net.ParseIP("198.18.0.10")))
		}, "eth0", 0, nil, outcome{Drop: "release-not-owner"}},
		{"decline of someone else's address", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(0x10), "198.18.0.10", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline))
		}, "eth0", 0, nil, outcome{Drop: "decline-not-owner"}},
		// relay
		{"relayed reservation", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(3), relayed("198.18.3.1")) },
			"eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.3.10", Hostname: "r1-u03", Dst: "198.18.3.1:67"}},
		{"relayed pool", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(0x20), relayed("198.18.3.1")) },
			"eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.3.100", Dst: "198.18.3.1:67"}},
		{"relay agent in a full network's subnet", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), relayed("198.18.0.77")) },
			"eth0", 0, nil, outcome{Type: "OFFER", YIAddr: "198.18.0.10", Hostname: "r1-u01", Dst: "198.18.0.77:67"}},
		// proxy
		{"proxy offer", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(0x30), uefiPXE...) },
			"eth2", 0, nil, outcome{Type: "OFFER", File: "snponly.efi", Dst: "255.255.255.255:68"}},
		{"proxy request on 4011", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(0x30), "", "", append(uefiPXE, dhcpv4.WithClientIP(net.ParseIP("198.18.2.50")))...)
		}, "eth2", PXEPort, &net.UDPAddr{IP: net.ParseIP("198.18.2.50"), Port: 4011}, outcome{Type: "ACK", File: "snponly.efi", Dst: "198.18.2.50:4011"}},
		{"proxy ignores requests to the real server", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(0x30), "198.18.2.50", "198.18.2.1", uefiPXE...)
		}, "eth2", 0, nil, outcome{Drop: "proxy-ignored"}},
		// test clients on other ports get the answer back
		{"test client port", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1)) },
			"eth0", 0, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, outcome{Type: "OFFER", YIAddr: "198.18.0.10", Hostname: "r1-u01", Dst: "127.0.0.1:40000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t, Config{})
			port, peer := c.port, c.peer
			if port == 0 {
				port = ServerPort
			}
			if peer == nil {
				peer = &net.UDPAddr{IP: net.IPv4zero, Port: ClientPort}
			}
			p := te.handleFrom(c.req(t), c.iface, port, peer)
			assert.Empty(t, cmp.Diff(c.want, outcomeOf(p)))
		})
	}
}

func TestDeniedEvent(t *testing.T) {
	te := newTestEngine(t, Config{})
	for range 3 {
		p := te.handle(discover(t, net.HardwareAddr{0x52, 0x54, 0x00, 0x77, 0x00, 0x10}), "eth1")
		require.Equal(t, "denied", p.Drop)
	}
	evs := te.rec.events()
	require.Len(t, evs, 1, "rate-limited per MAC")
	assert.Equal(t, "dhcp.denied", evs[0].Type)
	assert.Equal(t, "", evs[0].Machine, "appliance-wide")
	assert.Equal(t, "52:54:00:77:00:10 is not in the inventory and network closed has discovery off", evs[0].Message)
}

func TestDORA(t *testing.T) {
	te := newTestEngine(t, Config{})
	offer := te.handle(discover(t, mac(0x10), uefiPXE...), "eth0")
	require.Equal(t, "OFFER", outcomeOf(offer).Type)
	ip := offer.Reply.YourIPAddr.String()
	ack := te.handle(request(t, mac(0x10), ip, "198.18.0.2", uefiPXE...), "eth0")
	require.Equal(t, outcome{Type: "ACK", YIAddr: ip, File: "snponly.efi", Hostname: "disc-525400000010", Dst: "255.255.255.255:68"}, outcomeOf(ack))
	require.True(t, ack.Gate, "an ACK waits for its lease to commit")
	require.Len(t, ack.Write.leases, 1)
	assert.Equal(t, "bound", ack.Write.leases[0].State)
	assert.Equal(t, testNow.Add(DefaultLeaseTime), ack.Write.leases[0].Expires)
	require.Len(t, ack.Write.discovered, 1, "an unknown booting MAC becomes a discovered machine")
	d := ack.Write.discovered[0]
	assert.Equal(t, "disc-525400000010", d.machine.Name)
	assert.Equal(t, "x86_64", d.machine.Arch)
	assert.Equal(t, "30313233-3435-3637-3839-616263646566", d.machine.UUID)
	assert.Contains(t, d.message, `vendor class "PXEClient:Arch:00007:UNDI:003016"`)

	// Another MAC cannot get that address, by DISCOVER or REQUEST.
	other := te.handle(discover(t, mac(0x11), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP(ip)))), "eth0")
	assert.NotEqual(t, ip, other.Reply.YourIPAddr.String())
	nak := te.handle(request(t, mac(0x12), ip, ""), "eth0")
	assert.Equal(t, "NAK", outcomeOf(nak).Type)

	// Release frees it; the pool hands out fresh addresses first.
	rel := te.handle(request(t, mac(0x10), "", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease),
		dhcpv4.WithClientIP(net.ParseIP(ip))), "eth0")
	require.Empty(t, rel.Drop)
	assert.Equal(t, "released", rel.Write.leases[0].State)
	again := te.handle(request(t, mac(0x12), ip, ""), "eth0")
	assert.Equal(t, "ACK", outcomeOf(again).Type, "a released address is free")
}

func TestDeclineQuarantine(t *testing.T) {
	te := newTestEngine(t, Config{Quarantine: 2 * time.Minute})
	ack := te.handle(request(t, mac(1), "198.18.0.10", ""), "eth0")
	require.Equal(t, "ACK", outcomeOf(ack).Type)
	dec := te.handle(request(t, mac(1), "198.18.0.10", "198.18.0.2", dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline)), "eth0")
	require.Empty(t, dec.Drop)
	require.Nil(t, dec.Reply)
	assert.Equal(t, "declined", dec.Write.leases[0].State)
	require.Len(t, dec.Write.events, 1)
	assert.Equal(t, "dhcp.decline", dec.Write.events[0].Type)
	assert.Equal(t, "r1-u01", dec.Write.events[0].Machine)

	// Quarantined: the machine gets no offer, nobody gets the address.
	assert.Equal(t, "reserved-in-use", te.handle(discover(t, mac(1)), "eth0").Drop)
	assert.Equal(t, "NAK", outcomeOf(te.handle(request(t, mac(1), "198.18.0.10", ""), "eth0")).Type)
	te.clock = te.clock.Add(2*time.Minute + 1)
	assert.Equal(t, "OFFER", outcomeOf(te.handle(discover(t, mac(1)), "eth0")).Type, "quarantine over")

	// A pool address declined is skipped by the next allocation.
	o := te.handle(discover(t, mac(0x10)), "eth0")
	ip := o.Reply.YourIPAddr.String()
	te.handle(request(t, mac(0x10), ip, "198.18.0.2"), "eth0")
	te.handle(request(t, mac(0x10), ip, "198.18.0.2", dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline)), "eth0")
	o2 := te.handle(discover(t, mac(0x10)), "eth0")
	assert.NotEqual(t, ip, o2.Reply.YourIPAddr.String())
}

func TestDiscoveryRateLimit(t *testing.T) {
	te := newTestEngine(t, Config{DiscoveryBurst: 3})
	var drops []string
	for range 5 {
		drops = append(drops, te.handle(discover(t, mac(0x10)), "eth0").Drop)
	}
	assert.Equal(t, []string{"", "", "", "rate-limited", "rate-limited"}, drops)
	te.clock = te.clock.Add(DefaultDiscoveryEvery)
	assert.Empty(t, te.handle(discover(t, mac(0x10)), "eth0").Drop, "a token refilled")
}

func TestBootFiles(t *testing.T) {
	cases := []struct {
		name string
		mods []dhcpv4.Modifier
		cfg  BootFiles
		want string
	}{
		{"bios", biosPXE, BootFiles{}, "undionly.kpxe"},
		{"uefi x64", uefiPXE, BootFiles{}, "snponly.efi"},
		{"uefi x64 with ipxe.efi", uefiPXE, BootFiles{BIOS: "undionly.kpxe", UEFI: "ipxe.efi"}, "ipxe.efi"},
		{"arm64 not configured", arm64PXE, BootFiles{}, ""},
		{"arm64", arm64PXE, BootFiles{BIOS: "undionly.kpxe", ARM64: "snponly-arm64.efi"}, "snponly-arm64.efi"},
		{"uefi http", uefiHTTP, BootFiles{}, "http://198.18.0.2:8080/boot/bin/ipxe.efi"},
		{"ipxe", ipxe, BootFiles{}, "http://198.18.0.2:8080/boot/ipxe/52:54:00:00:00:01"},
		{"ebc", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient")),
			dhcpv4.WithOption(dhcpv4.OptClientArch(iana.EFI_BC))}, BootFiles{}, "snponly.efi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t, Config{BootFiles: c.cfg})
			p := te.handle(discover(t, mac(1), c.mods...), "eth0")
			require.Equal(t, "OFFER", outcomeOf(p).Type)
			assert.Equal(t, c.want, p.Reply.BootFileName)
		})
	}
}
