package dhcp

import (
	"encoding/json"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// engine is the handler chain and the state it decides from. It does no
// I/O: the server feeds it packets and carries out its writes and replies.
type engine struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics
	handlers []handler

	view   atomic.Pointer[inventoryView]
	leases *leaseTable
	// addrs returns our IPv4 addresses on an interface.
	addrs func(iface string) []netip.Prefix

	discoveryLimit *limiter
	deniedLimit    *limiter
	// async stores rows that no reply waits for (offer and denial events,
	// releases); nil drops them.
	async func(w write)

	poolMu    sync.Mutex
	poolAlarm map[string]bool // networks whose nearly-exhausted event is raised
}

// maxLimiterKeys bounds the per-MAC limiters' memory.
const maxLimiterKeys = 65536

func newEngine(cfg Config, log *slog.Logger, m *metrics, now func() time.Time) *engine {
	cfg = cfg.withDefaults()
	e := &engine{
		cfg: cfg, log: log, now: now, metrics: m, leases: newLeaseTable(),
		addrs:          func(string) []netip.Prefix { return nil },
		discoveryLimit: newLimiter(cfg.DiscoveryBurst, cfg.DiscoveryEvery, maxLimiterKeys),
		deniedLimit:    newLimiter(1, cfg.DeniedEvery, maxLimiterKeys),
		async:          func(write) {},
		poolAlarm:      map[string]bool{},
	}
	e.view.Store(buildView(nil, nil, nil, log))
	e.handlers = e.chain()
	return e
}

// eventData is the data of dhcp.* events.
type eventData struct {
	Network     string `json:"network,omitempty"`
	IP          string `json:"ip,omitempty"`
	MAC         string `json:"mac,omitempty"`
	Arch        string `json:"arch,omitempty"`
	Firmware    string `json:"firmware,omitempty"`
	ClientArch  *int   `json:"clientArch,omitempty"`
	VendorClass string `json:"vendorClass,omitempty"`
	UserClass   string `json:"userClass,omitempty"`
	UUID        string `json:"uuid,omitempty"`
}

// event builds a dhcp.<kind> event about p's client.
func (p *Packet) event(kind, message string) store.Event {
	d := eventData{IP: addrString(p.Addr), MAC: p.MAC, Arch: p.Client.archName(), Firmware: p.Client.firmware(),
		VendorClass: p.Client.VendorClass, UUID: p.Client.UUID}
	if p.Net != nil {
		d.Network = p.Net.Name
	}
	if p.Client.HasArch {
		a := int(p.Client.Arch)
		d.ClientArch = &a
	}
	if len(p.Client.UserClass) > 0 {
		d.UserClass = p.Client.UserClass[0]
	}
	data, _ := json.Marshal(d) //nolint:errchkjson // plain strings and ints
	return store.Event{Machine: p.Machine, Type: "dhcp." + kind, Message: message, Actor: "system",
		Cause: p.Type.String(), Data: data}
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
