package dhcp

import "github.com/slipway-dev/slipway/internal/inventory"

// reservation gives a declared machine its declared address (spec.ip on
// spec.network) and its name as host name.
func (e *engine) reservation(p *Packet) verdict {
	if p.Net.Mode == inventory.ModeProxy {
		return next
	}
	r, ok := e.view.Load().reservations[p.MAC]
	if !ok || r.Network != p.Net.Name {
		return next
	}
	p.Reservation = &r
	p.Addr = r.IP
	p.Hostname = r.Machine
	return next
}
