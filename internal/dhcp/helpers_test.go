package dhcp

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// The test site: four networks, one per mode (and one with discovery off),
// and two declared machines.
var (
	testNetworks = map[string]inventory.NetworkSpec{
		"lab": {Interface: "eth0", Subnet: "198.18.0.0/24", Gateway: "198.18.0.1", DNS: []string{"198.18.0.1"},
			Domain: "lab.example", NTP: []string{"198.18.0.1"}, Range: &inventory.Range{Start: "198.18.0.100", End: "198.18.0.149"},
			Discovery: true},
		"closed": {Interface: "eth1", Subnet: "198.18.1.0/24", Gateway: "198.18.1.1"},
		"pxe":    {Mode: inventory.ModeProxy, Interface: "eth2", Subnet: "198.18.2.0/24"},
		"remote": {Mode: inventory.ModeRelay, Subnet: "198.18.3.0/24", Gateway: "198.18.3.1",
			RelayAgents: []string{"198.18.3.1"}, Range: &inventory.Range{Start: "198.18.3.100", End: "198.18.3.109"},
			Discovery: true, LeaseTime: "10m"},
	}
	testMachines = map[string]inventory.MachineSpec{
		"r1-u01": {MAC: "52:54:00:00:00:01", Network: "lab", IP: "198.18.0.10"},
		"r1-u02": {MAC: "52:54:00:00:00:02", Network: "closed", IP: "198.18.1.10"},
		"r1-u03": {MAC: "52:54:00:00:00:03", Network: "remote", IP: "198.18.3.10"},
	}
	testAddrs = map[string][]netip.Prefix{
		"eth0": {netip.MustParsePrefix("198.18.0.2/24")},
		"eth1": {netip.MustParsePrefix("198.18.1.2/24")},
		"eth2": {netip.MustParsePrefix("198.18.2.2/24")},
	}
	testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// objects returns the test site as stored objects.
func testObjects(t testing.TB) (nets, machines []store.Object) {
	for name, s := range testNetworks {
		nets = append(nets, object(t, inventory.KindNetwork, name, s))
	}
	for name, s := range testMachines {
		machines = append(machines, object(t, inventory.KindMachine, name, s))
	}
	return nets, machines
}

func object(t testing.TB, k inventory.Kind, name string, spec any) store.Object {
	b, err := json.Marshal(spec)
	require.NoError(t, err)
	return store.Object{Kind: string(k), Name: name, Spec: b}
}

// recorder collects what the engine stores without waiting.
type recorder struct {
	mu     sync.Mutex
	writes []write
}

func (r *recorder) add(w write) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, w)
}

func (r *recorder) events() []store.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []store.Event
	for _, w := range r.writes {
		out = append(out, w.events...)
	}
	return out
}

// testEngine is an engine on the test site with a settable clock.
type testEngine struct {
	*engine
	rec   *recorder
	clock time.Time
}

func newTestEngine(t testing.TB, cfg Config) *testEngine {
	m, err := newMetrics(nil)
	require.NoError(t, err)
	te := &testEngine{rec: &recorder{}, clock: testNow}
	e := newEngine(cfg, slog.New(slog.DiscardHandler), m, func() time.Time { return te.clock })
	nets, specs := testObjects(t)
	var rows []store.Machine
	for name, s := range testMachines {
		rows = append(rows, store.Machine{Name: name, MAC: s.MAC})
	}
	e.view.Store(buildView(nets, specs, rows, e.log))
	e.addrs = func(iface string) []netip.Prefix { return testAddrs[iface] }
	e.async = te.rec.add
	te.engine = e
	return te
}

// handle runs a request through the whole chain as if it arrived on iface
// from a DHCP client.
func (te *testEngine) handle(req *dhcpv4.DHCPv4, iface string) *Packet {
	return te.handleFrom(req, iface, ServerPort, &net.UDPAddr{IP: net.IPv4zero, Port: ClientPort})
}

func (te *testEngine) handleFrom(req *dhcpv4.DHCPv4, iface string, port int, peer *net.UDPAddr) *Packet {
	return te.handleBytes(req.ToBytes(), Inbound{Iface: iface, Port: port, Peer: peer})
}

// Client kinds, as their first DISCOVER looks.
func mac(last byte) net.HardwareAddr { return net.HardwareAddr{0x52, 0x54, 0x00, 0x00, 0x00, last} }

var testXID = dhcpv4.TransactionID{0xde, 0xad, 0xbe, 0xef}

func discover(t testing.TB, hw net.HardwareAddr, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	req, err := dhcpv4.NewDiscovery(hw, append([]dhcpv4.Modifier{dhcpv4.WithTransactionID(testXID)}, mods...)...)
	require.NoError(t, err)
	return req
}

func request(t testing.TB, hw net.HardwareAddr, ip, server string, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	all := []dhcpv4.Modifier{dhcpv4.WithTransactionID(testXID), dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest)}
	if ip != "" {
		all = append(all, dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.ParseIP(ip))))
	}
	if server != "" {
		all = append(all, dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.ParseIP(server))))
	}
	req, err := dhcpv4.New(append(append(all, dhcpv4.WithHwAddr(hw)), mods...)...)
	require.NoError(t, err)
	return req
}

var (
	uuidOpt = dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionClientMachineIdentifier,
		append([]byte{0}, []byte("0123456789abcdef")...)))
	biosPXE = []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00000:UNDI:002001")),
		dhcpv4.WithOption(dhcpv4.OptClientArch(iana.INTEL_X86PC)), uuidOpt}
	uefiPXE = []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00007:UNDI:003016")),
		dhcpv4.WithOption(dhcpv4.OptClientArch(iana.EFI_X86_64)), uuidOpt}
	arm64PXE = []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00011:UNDI:003000")),
		dhcpv4.WithOption(dhcpv4.OptClientArch(iana.EFI_ARM64))}
	uefiHTTP = []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("HTTPClient:Arch:00016:UNDI:003000")),
		dhcpv4.WithOption(dhcpv4.OptClientArch(iana.EFI_X86_64_HTTP))}
	ipxe = []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00000:UNDI:002001")),
		dhcpv4.WithOption(dhcpv4.OptClientArch(iana.INTEL_X86PC)),
		dhcpv4.WithOption(dhcpv4.OptUserClass("iPXE")),
		dhcpv4.WithOption(dhcpv4.OptGeneric(optionIPXE, []byte{19, 1, 1}))}
)

func relayed(giaddr string) dhcpv4.Modifier {
	return func(d *dhcpv4.DHCPv4) { d.GatewayIPAddr = net.ParseIP(giaddr).To4(); d.HopCount = 1 }
}
