package dhcp

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"
)

// fuzzInbound picks where a fuzzed packet arrives from its first byte.
func fuzzInbound(b byte) Inbound {
	ifaces := []string{"eth0", "eth1", "eth2", "eth9"}
	in := Inbound{Iface: ifaces[int(b)%len(ifaces)], Port: ServerPort, Peer: &net.UDPAddr{IP: net.IPv4zero, Port: ClientPort}}
	if b&0x10 != 0 {
		in.Port = PXEPort
	}
	return in
}

// FuzzChain drives the whole handler chain (decode, network selection,
// reservations, the pool, the lease state machine, boot options, reply
// routing) with arbitrary packets on one engine, so that state built by
// earlier inputs is exercised too. It must never panic, and every reply
// must be a BOOTREPLY with a destination and an address inside its network.
func FuzzChain(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(byte(i), s)
	}
	if *update {
		writeFuzzSeeds(f)
	}
	te := newTestEngine(f, Config{})
	f.Fuzz(func(t *testing.T, sel byte, raw []byte) {
		p := te.handleBytes(raw, fuzzInbound(sel))
		if p.Reply == nil {
			return
		}
		require.Equal(t, dhcpv4.OpcodeBootReply, p.Reply.OpCode)
		require.NotNil(t, p.Dst)
		if yi := fromIP(p.Reply.YourIPAddr); yi.IsValid() {
			require.True(t, p.Net.Subnet.Contains(yi), "yiaddr %s outside %s", yi, p.Net.Subnet)
		}
		_ = p.Reply.ToBytes()
	})
}

// fuzzSeeds are real requests of every client kind and message type.
func fuzzSeeds(t testing.TB) [][]byte {
	var out [][]byte
	kinds := [][]dhcpv4.Modifier{nil, biosPXE, uefiPXE, arm64PXE, uefiHTTP, ipxe}
	for _, k := range kinds {
		out = append(out, discover(t, mac(1), k...).ToBytes(), discover(t, mac(0x10), k...).ToBytes(),
			request(t, mac(1), "198.18.0.10", "198.18.0.2", k...).ToBytes())
	}
	out = append(out,
		discover(t, mac(3), relayed("198.18.3.1")).ToBytes(),
		request(t, mac(0x10), "198.18.0.100", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline)).ToBytes(),
		request(t, mac(1), "", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease), dhcpv4.WithClientIP(net.ParseIP("198.18.0.10"))).ToBytes(),
		request(t, mac(1), "", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeInform), dhcpv4.WithClientIP(net.ParseIP("198.18.0.10"))).ToBytes(),
		[]byte("not dhcp"),
	)
	return out
}

// writeFuzzSeeds checks the seeds in as testdata/fuzz/FuzzChain corpus files.
func writeFuzzSeeds(f *testing.F) {
	dir := filepath.Join("testdata", "fuzz", "FuzzChain")
	require.NoError(f, os.MkdirAll(dir, 0o755))
	for i, s := range fuzzSeeds(f) {
		body := fmt.Sprintf("go test fuzz v1\nbyte(%q)\n[]byte(%q)\n", byte(i), s)
		require.NoError(f, os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644))
	}
}
