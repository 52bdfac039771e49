package boot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// lookup finds the machine with mac (nil when unknown) and its network:
// the declared Machine's spec.network, else the declared Network whose
// subnet contains the client's address.
func (s *Server) lookup(tx *store.Tx, mac string, client netip.Addr) (*store.Machine, Network, error) {
	var m *store.Machine
	got, err := tx.GetMachineByMAC(mac)
	switch {
	case err == nil:
		m = &got
	case !errors.Is(err, store.ErrNotFound):
		return nil, Network{}, err
	}
	if m != nil {
		name, err := declaredNetwork(tx, m.Name)
		if err != nil {
			return nil, Network{}, err
		}
		if name != "" {
			n, err := networkByName(tx, name)
			return m, n, err
		}
	}
	n, err := networkOf(tx, client)
	return m, n, err
}

// declaredNetwork is the spec.network of the Machine object name ("" when
// the machine is not declared or names no network).
func declaredNetwork(tx *store.Tx, name string) (string, error) {
	o, err := tx.GetObject(string(inventory.KindMachine), name)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var spec inventory.MachineSpec
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return "", fmt.Errorf("machine %s: spec: %w", name, err)
	}
	return spec.Network, nil
}

func networkByName(tx *store.Tx, name string) (Network, error) {
	o, err := tx.GetObject(string(inventory.KindNetwork), name)
	if errors.Is(err, store.ErrNotFound) {
		return Network{}, nil
	}
	if err != nil {
		return Network{}, err
	}
	var spec inventory.NetworkSpec
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return Network{}, fmt.Errorf("network %s: spec: %w", name, err)
	}
	return Network{Name: name, Discovery: spec.Discovery}, nil
}

// networkOf is the declared Network whose subnet (or relay agent list)
// holds addr; the zero Network when none does.
func networkOf(tx *store.Tx, addr netip.Addr) (Network, error) {
	if !addr.IsValid() {
		return Network{}, nil
	}
	objs, err := tx.ListObjects(string(inventory.KindNetwork))
	if err != nil {
		return Network{}, err
	}
	for _, o := range objs {
		var spec inventory.NetworkSpec
		if err := json.Unmarshal(o.Spec, &spec); err != nil {
			return Network{}, fmt.Errorf("network %s: spec: %w", o.Name, err)
		}
		if p, err := netip.ParsePrefix(spec.Subnet); err == nil && p.Contains(addr) {
			return Network{Name: o.Name, Discovery: spec.Discovery}, nil
		}
	}
	return Network{}, nil
}
