package inventory

import (
	"errors"
	"fmt"
	"slices"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// rows indexes the machine rows (observed status) read once per apply.
type rows struct {
	byName map[string]*store.Machine
	byMAC  map[string]*store.Machine
}

func (r *rows) put(m *store.Machine) {
	r.byName[m.Name] = m
	if m.MAC != "" {
		r.byMAC[m.MAC] = m
	}
}

func (r *rows) remove(m *store.Machine) {
	delete(r.byName, m.Name)
	if r.byMAC[m.MAC] == m {
		delete(r.byMAC, m.MAC)
	}
}

// machineRows keeps the machines table in step with the Machine objects the
// plan touches: rows of deleted Machines go, changed MACs are updated, and
// each new Machine gets a registered row. Deletes run first and MAC updates
// before creates, so a MAC can move to a renamed machine in one apply. In a
// dry run the same checks run without writing.
func (a *applier) machineRows() error {
	if !slices.ContainsFunc(a.plan.Changes, func(c Change) bool { return c.Kind == KindMachine }) {
		return nil
	}
	list, err := a.tx.ListMachines(store.MachineFilter{})
	if err != nil {
		return fmt.Errorf("inventory: read machines: %w", err)
	}
	r := &rows{byName: make(map[string]*store.Machine, len(list)), byMAC: make(map[string]*store.Machine, len(list))}
	for i := range list {
		r.put(&list[i])
	}
	for _, c := range a.plan.Changes {
		if c.Kind == KindMachine && c.Action == ActionDelete {
			if err := a.deleteRow(r, c.Name); err != nil {
				return err
			}
		}
	}
	for _, action := range []Action{ActionUpdate, ActionCreate} {
		for _, c := range a.plan.Changes {
			if c.Kind != KindMachine || c.Action != action {
				continue
			}
			if err := a.ensureRow(r, a.declIdx[c.Key()]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) deleteRow(r *rows, name string) error {
	m, ok := r.byName[name]
	if !ok {
		return nil
	}
	r.remove(m)
	if a.opts.DryRun {
		return nil
	}
	return deleteMachineRow(a.tx, name, a.opts.Actor, "no longer declared in the inventory")
}

// deleteMachineRow deletes a machine's row and records why on its timeline.
func deleteMachineRow(tx *store.Tx, name, actor, why string) error {
	if err := tx.DeleteMachine(name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("inventory: delete machine %s: %w", name, err)
	}
	ev := &store.Event{Machine: name, Type: "inventory.delete", Reason: "inventory", Actor: actor,
		Message: "machine removed: " + why}
	if err := tx.AppendEvent(ev); err != nil {
		return fmt.Errorf("inventory: record delete of machine %s: %w", name, err)
	}
	return nil
}

// ensureRow gives a declared Machine its row with the declared MAC.
func (a *applier) ensureRow(r *rows, o *Object) error {
	s := o.Spec.(*MachineSpec)
	name := o.Metadata.Name
	if owner, taken := r.byMAC[s.MAC]; taken && owner.Name != name {
		return a.macTaken(o, owner)
	}
	m, exists := r.byName[name]
	switch {
	case exists && m.MAC == s.MAC:
		return nil
	case exists:
		return a.setMAC(r, o, m)
	}
	m = &store.Machine{Name: name, MAC: s.MAC}
	r.put(m)
	if a.opts.DryRun {
		return nil
	}
	c := machine.Cause{Reason: "inventory", Actor: a.opts.Actor, Message: "declared in " + o.Source.File}
	if err := machine.Create(a.tx, m, machine.Registered, c); err != nil {
		return storeConflict(o.Key(), 0, err)
	}
	return nil
}

func (a *applier) setMAC(r *rows, o *Object, m *store.Machine) error {
	old, mac := m.MAC, o.Spec.(*MachineSpec).MAC
	r.remove(m)
	m.MAC = mac
	r.put(m)
	if a.opts.DryRun {
		return nil
	}
	if err := a.tx.UpdateMachine(m, m.Revision); err != nil {
		return storeConflict(o.Key(), m.Revision, err)
	}
	ev := &store.Event{Machine: m.Name, Type: "inventory.mac", Reason: "inventory", Actor: a.opts.Actor,
		Message: fmt.Sprintf("boot MAC changed from %s to %s (declared in %s)", old, mac, o.Source.File)}
	if err := a.tx.AppendEvent(ev); err != nil {
		return fmt.Errorf("inventory: record MAC change of machine %s: %w", m.Name, err)
	}
	return nil
}

// macTaken explains a declared MAC that belongs to another machine row.
func (a *applier) macTaken(o *Object, owner *store.Machine) error {
	msg := fmt.Sprintf("%s belongs to machine %s (%s), which is not declared; adopting a machine is not supported yet",
		owner.MAC, owner.Name, owner.State)
	if _, declared := a.declIdx[Key{Kind: KindMachine, Name: owner.Name}]; declared {
		msg = fmt.Sprintf("%s is still the MAC of machine %s; swap MACs between machines in two applies", owner.MAC, owner.Name)
	}
	return ErrorList{{File: o.Source.File, Kind: o.Kind, Name: o.Metadata.Name, Field: "spec.mac",
		Line: o.Source.lineOf("spec.mac"), Message: msg}}
}
