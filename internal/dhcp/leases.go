package dhcp

import (
	"net/netip"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// lease is the in-memory form of a store.Lease.
type lease struct {
	network  string
	ip       netip.Addr
	mac      string
	hostname string
	clientID string
	state    string
	expires  time.Time
}

// active reports whether the lease keeps its address from anyone else now:
// an offer or binding not yet expired, or a declined address in quarantine.
func (l *lease) active(now time.Time) bool {
	switch l.state {
	case store.LeaseOffered, store.LeaseBound, store.LeaseDeclined:
		return now.Before(l.expires)
	}
	return false
}

func (l *lease) record() store.Lease {
	return store.Lease{Network: l.network, IP: l.ip.String(), MAC: l.mac, Hostname: l.hostname,
		ClientID: l.clientID, State: l.state, Expires: l.expires}
}

// leaseTable holds every lease of every network. Its methods must be called
// with mu held: a packet's decision (check then take an address) is one
// critical section, which is what keeps two clients off one address.
type leaseTable struct {
	mu   sync.Mutex
	nets map[string]*netLeases
}

type netLeases struct {
	byIP  map[netip.Addr]*lease
	byMAC map[string]*lease
	// cursor is where the next pool search starts (round robin, so a
	// released address is not handed straight to the next client).
	cursor uint32
}

func newLeaseTable() *leaseTable { return &leaseTable{nets: map[string]*netLeases{}} }

func (t *leaseTable) net(name string) *netLeases {
	nl := t.nets[name]
	if nl == nil {
		nl = &netLeases{byIP: map[netip.Addr]*lease{}, byMAC: map[string]*lease{}}
		t.nets[name] = nl
	}
	return nl
}

// load adds stored leases (at start-up). An offer does not survive a restart.
func (t *leaseTable) load(ls []store.Lease) {
	for _, s := range ls {
		ip, err := netip.ParseAddr(s.IP)
		if err != nil {
			continue
		}
		l := lease{network: s.Network, ip: ip, mac: s.MAC, hostname: s.Hostname, clientID: s.ClientID,
			state: s.State, expires: s.Expires}
		if l.state == store.LeaseOffered {
			l.state = store.LeaseExpired
		}
		t.put(l)
	}
}

// get returns the lease of ip on network (nil: none).
func (t *leaseTable) get(network string, ip netip.Addr) *lease {
	if nl := t.nets[network]; nl != nil {
		return nl.byIP[ip]
	}
	return nil
}

// ofMAC returns mac's lease on network (nil: none).
func (t *leaseTable) ofMAC(network, mac string) *lease {
	if nl := t.nets[network]; nl != nil {
		return nl.byMAC[mac]
	}
	return nil
}

// put stores l, replacing the lease of its address, and makes it its MAC's
// current lease (a MAC's earlier lease on another address stays indexed by
// address until it ends, so that address is not handed out early).
func (t *leaseTable) put(l lease) *lease {
	nl := t.net(l.network)
	if old := nl.byIP[l.ip]; old != nil && old.mac != l.mac && nl.byMAC[old.mac] == old {
		delete(nl.byMAC, old.mac)
	}
	p := &l
	nl.byIP[l.ip] = p
	nl.byMAC[l.mac] = p
	return p
}

// free reports whether mac may hold ip on n now: no one else holds it and
// it is not reserved for another machine.
func (t *leaseTable) free(v *inventoryView, n *Network, ip netip.Addr, mac string, now time.Time) bool {
	if owner, ok := v.reservedIP[netKey{n.Name, ip}]; ok && owner != mac {
		return false
	}
	l := t.get(n.Name, ip)
	if l == nil || !l.active(now) {
		return true
	}
	return l.mac == mac && l.state != store.LeaseDeclined
}

// assignable reports whether ip may be handed out from n's pool at all.
func assignable(n *Network, ip, server netip.Addr) bool {
	return n.inPool(ip) && n.Subnet.Contains(ip) && ip != n.Subnet.Addr() && ip != n.broadcast() &&
		ip != n.Gateway && ip != server
}

// allocate picks a pool address for mac on n: its previous address when
// still free, else the requested one, else the next never-used address
// after the cursor, else the first address whose lease has ended.
func (t *leaseTable) allocate(v *inventoryView, n *Network, mac string, requested, server netip.Addr, now time.Time) (netip.Addr, bool) {
	if l := t.ofMAC(n.Name, mac); l != nil && assignable(n, l.ip, server) && t.free(v, n, l.ip, mac, now) {
		return l.ip, true
	}
	if requested.IsValid() && assignable(n, requested, server) && t.free(v, n, requested, mac, now) {
		return requested, true
	}
	nl := t.net(n.Name)
	start, size := ipv4ToUint(n.RangeStart), uint32(n.poolSize())
	var reuse netip.Addr
	for i := uint32(0); i < size; i++ {
		ip := uintToIPv4(start + (nl.cursor+i)%size)
		if !assignable(n, ip, server) || !t.free(v, n, ip, mac, now) {
			continue
		}
		if nl.byIP[ip] == nil {
			nl.cursor = (nl.cursor + i + 1) % size
			return ip, true
		}
		if !reuse.IsValid() {
			reuse = ip
		}
	}
	return reuse, reuse.IsValid()
}

// usage counts n's pool addresses held now.
func (t *leaseTable) usage(n *Network, now time.Time) (used, size int) {
	if nl := t.nets[n.Name]; nl != nil {
		for ip, l := range nl.byIP {
			if n.inPool(ip) && l.active(now) {
				used++
			}
		}
	}
	return used, n.poolSize()
}

// expire marks bound and declined leases whose time has passed as expired
// and returns them (for the store); ended offers are dropped from memory.
func (t *leaseTable) expire(now time.Time) []store.Lease {
	var out []store.Lease
	for _, nl := range t.nets {
		for ip, l := range nl.byIP {
			if l.active(now) {
				continue
			}
			switch l.state {
			case store.LeaseBound, store.LeaseDeclined:
				l.state = store.LeaseExpired
				out = append(out, l.record())
			case store.LeaseOffered:
				delete(nl.byIP, ip)
				if nl.byMAC[l.mac] == l {
					delete(nl.byMAC, l.mac)
				}
			}
		}
	}
	return out
}
