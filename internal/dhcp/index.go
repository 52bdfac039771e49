package dhcp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// reservation is a declared machine's fixed address on its network.
type reservation struct {
	Network string
	IP      netip.Addr
	Machine string
}

// inventoryView is the part of the store the server answers from: built in
// one read transaction, then only read (a reload swaps in a new one).
type inventoryView struct {
	generation int64
	networks   map[string]*Network
	// byIface lists the full and proxy networks on each interface, and
	// relay networks that name an interface.
	byIface map[string][]*Network
	// byAgent maps a relay agent address to its network.
	byAgent map[netip.Addr]*Network
	// reservations by MAC, and the MAC owning each reserved address.
	reservations map[string]reservation
	reservedIP   map[netKey]string
	// machines maps every known MAC to its machine name.
	machines map[string]string
}

// netKey names an address on a network.
type netKey struct {
	network string
	ip      netip.Addr
}

// loadInventory reads networks, machine objects and machine rows.
func loadInventory(ctx context.Context, db *store.DB, log *slog.Logger) (*inventoryView, error) {
	var nets, specs []store.Object
	var rows []store.Machine
	var gen int64
	err := db.View(ctx, func(tx *store.Tx) error {
		var err error
		if gen, err = tx.InventoryGeneration(); err != nil {
			return err
		}
		if nets, err = tx.ListObjects(string(inventory.KindNetwork)); err != nil {
			return err
		}
		if specs, err = tx.ListObjects(string(inventory.KindMachine)); err != nil {
			return err
		}
		rows, err = tx.ListMachines(store.MachineFilter{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dhcp: load inventory: %w", err)
	}
	v := buildView(nets, specs, rows, log)
	v.generation = gen
	return v, nil
}

// buildView indexes the objects; invalid ones are logged and skipped.
func buildView(nets, specs []store.Object, rows []store.Machine, log *slog.Logger) *inventoryView {
	v := &inventoryView{
		networks: map[string]*Network{}, byIface: map[string][]*Network{}, byAgent: map[netip.Addr]*Network{},
		reservations: map[string]reservation{}, reservedIP: map[netKey]string{}, machines: map[string]string{},
	}
	for _, o := range nets {
		n, err := parseNetwork(o)
		if err != nil {
			log.Warn("dhcp: network skipped", "err", err)
			continue
		}
		v.addNetwork(n)
	}
	for _, m := range rows {
		if m.MAC != "" {
			v.machines[m.MAC] = m.Name
		}
	}
	for _, o := range specs {
		v.addReservation(o, log)
	}
	return v
}

func (v *inventoryView) addNetwork(n *Network) {
	v.networks[n.Name] = n
	if n.Interface != "" {
		v.byIface[n.Interface] = append(v.byIface[n.Interface], n)
	}
	for _, a := range n.RelayAgents {
		v.byAgent[a] = n
	}
}

func (v *inventoryView) addReservation(o store.Object, log *slog.Logger) {
	var s inventory.MachineSpec
	if err := json.Unmarshal(o.Spec, &s); err != nil {
		log.Warn("dhcp: machine skipped", "machine", o.Name, "err", err)
		return
	}
	mac := normalizeMAC(s.MAC)
	if mac == "" {
		return
	}
	if _, ok := v.machines[mac]; !ok {
		v.machines[mac] = o.Name
	}
	if s.IP == "" || v.networks[s.Network] == nil {
		return
	}
	ip, err := netip.ParseAddr(s.IP)
	if err != nil || !ip.Is4() {
		log.Warn("dhcp: reservation skipped", "machine", o.Name, "ip", s.IP)
		return
	}
	v.reservations[mac] = reservation{Network: s.Network, IP: ip, Machine: o.Name}
	v.reservedIP[netKey{s.Network, ip}] = mac
}

// listeners lists the sockets the networks need: interface → ports.
func (v *inventoryView) listeners() map[string][]int {
	out := map[string][]int{}
	for iface, nets := range v.byIface {
		ports := []int{ServerPort}
		for _, n := range nets {
			if n.Mode == inventory.ModeProxy {
				ports = append(ports, PXEPort)
				break
			}
		}
		out[iface] = ports
	}
	return out
}

// normalizeMAC returns the lower case colon form of an Ethernet MAC, or "".
func normalizeMAC(s string) string {
	if len(s) != 17 {
		return ""
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case i%3 == 2:
			if c != ':' && c != '-' {
				return ""
			}
			b[i] = ':'
		case c >= 'A' && c <= 'F':
			b[i] = c + 'a' - 'A'
		case (c < '0' || c > '9') && (c < 'a' || c > 'f'):
			return ""
		}
	}
	return string(b)
}
