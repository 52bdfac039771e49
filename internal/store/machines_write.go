package store

import (
	"errors"
	"fmt"
)

// CreateMachine inserts m with revision 1; a taken name or MAC is ErrConflict.
// The MAC is stored (and written back to m) in lower case; a zero
// StateChangedAt is set to the transaction time.
func (tx *Tx) CreateMachine(m *Machine) error {
	if err := tx.writesInventory("Machine", m.Name); err != nil {
		return err
	}
	if m.Name == "" {
		return errors.New("create machine: name is required")
	}
	n, hw, err := normalizeMachine(m)
	if err != nil {
		return err
	}
	if n.StateChangedAt.IsZero() {
		n.StateChangedAt = tx.now
	}
	n.Revision, n.CreatedAt, n.UpdatedAt = 1, tx.now, tx.now
	doc, err := encodeMachine(&n)
	if err != nil {
		return err
	}
	now := toNanos(tx.now)
	ok, err := tx.execOne("INSERT INTO machines (name, mac, state, revision, created_at, updated_at, doc, hardware)"+
		" VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		n.Name, nullString(n.MAC), n.State, now, now, doc, hw)
	switch {
	case err != nil:
		return failed("create", machineKind, m.Name, err)
	case !ok:
		return tx.machineTaken(&n)
	}
	*m = n
	return nil
}

// machineTaken explains why m could not be inserted: its name or its MAC.
func (tx *Tx) machineTaken(m *Machine) error {
	found, err := tx.exists("SELECT 1 FROM machines WHERE name = ?", m.Name)
	switch {
	case err != nil:
		return fmt.Errorf("create machine %s: %w", m.Name, err)
	case found:
		return alreadyExists(machineKind, m.Name)
	}
	return tx.macTaken(m)
}

// macTaken returns ErrConflict naming the machine that holds m's MAC.
func (tx *Tx) macTaken(m *Machine) error {
	var owner string
	err := tx.queryRow("SELECT name FROM machines WHERE mac = ?", m.MAC).Scan(&owner)
	if err != nil {
		return fmt.Errorf("machine mac %s: %w", m.MAC, ErrConflict)
	}
	return fmt.Errorf("machine mac %s: used by machine %s: %w", m.MAC, owner, ErrConflict)
}

// UpdateMachine writes m if the stored revision equals expect, bumping it.
// The new revision and times are written back to m; a MAC taken by another
// machine is ErrConflict.
func (tx *Tx) UpdateMachine(m *Machine, expect int64) error {
	if err := tx.writesInventory("Machine", m.Name); err != nil {
		return err
	}
	n, hw, err := normalizeMachine(m)
	if err != nil {
		return err
	}
	const current = "SELECT revision, created_at FROM machines WHERE name = ?"
	created, err := tx.checkRevision(machineKind, m.Name, expect, current, m.Name)
	if err != nil {
		return err
	}
	if n.MAC != "" {
		taken, err := tx.exists("SELECT 1 FROM machines WHERE mac = ? AND name <> ?", n.MAC, n.Name)
		switch {
		case err != nil:
			return fmt.Errorf("update machine %s: %w", m.Name, err)
		case taken:
			return tx.macTaken(&n)
		}
	}
	n.Revision, n.CreatedAt, n.UpdatedAt = expect+1, created, tx.now
	doc, err := encodeMachine(&n)
	if err != nil {
		return err
	}
	ok, err := tx.execOne("UPDATE machines SET mac = ?, state = ?, revision = ?, updated_at = ?, doc = ?, hardware = ?"+
		" WHERE name = ? AND revision = ?",
		nullString(n.MAC), n.State, n.Revision, toNanos(tx.now), doc, hw, n.Name, expect)
	switch {
	case err != nil:
		return failed("update", machineKind, m.Name, err)
	case !ok:
		return tx.whyUnchanged(machineKind, m.Name, expect, current, m.Name)
	}
	*m = n
	return nil
}

// DeleteMachine deletes a machine (its events stay).
func (tx *Tx) DeleteMachine(name string) error {
	if err := tx.writesInventory("Machine", name); err != nil {
		return err
	}
	ok, err := tx.execOne("DELETE FROM machines WHERE name = ?", name)
	switch {
	case err != nil:
		return failed("delete", machineKind, name, err)
	case !ok:
		return notFound(machineKind, name)
	}
	return nil
}
