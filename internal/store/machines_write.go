package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// CreateMachine inserts m with revision 1; a taken name or MAC is ErrConflict.
// The MAC is stored (and written back to m) in lower case; a zero
// StateChangedAt is set to the transaction time.
func (tx *Tx) CreateMachine(m *Machine) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if m.Name == "" {
		return errors.New("create machine: name is required")
	}
	conds, hw, err := machineValues(m)
	if err != nil {
		return err
	}
	if m.StateChangedAt.IsZero() {
		m.StateChangedAt = tx.now
	}
	now := toNanos(tx.now)
	ok, err := tx.execOne("INSERT INTO machines ("+machineColumns+")"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT DO NOTHING",
		m.Name, nullString(m.MAC), m.State, m.StateReason, m.FailedStage, m.HeldFrom,
		m.Power, m.Phase, conds, hw, m.Arch, m.UUID, now, now, toNanos(m.StateChangedAt))
	switch {
	case err != nil:
		return failed("create", machineKind, m.Name, err)
	case !ok:
		return tx.machineTaken(m)
	}
	m.Revision, m.CreatedAt, m.UpdatedAt = 1, tx.now, tx.now
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
	if err := tx.writable(); err != nil {
		return err
	}
	conds, hw, err := machineValues(m)
	if err != nil {
		return err
	}
	if m.MAC != "" {
		taken, err := tx.exists("SELECT 1 FROM machines WHERE mac = ? AND name <> ?", m.MAC, m.Name)
		switch {
		case err != nil:
			return fmt.Errorf("update machine %s: %w", m.Name, err)
		case taken:
			return tx.macTaken(m)
		}
	}
	var created int64
	err = tx.queryRow("UPDATE machines SET mac = ?, state = ?, state_reason = ?, failed_stage = ?,"+
		" held_from = ?, power = ?, phase = ?, conditions = ?, hardware = ?, arch = ?, uuid = ?,"+
		" revision = revision + 1, updated_at = ?, state_changed_at = ?"+
		" WHERE name = ? AND revision = ? RETURNING created_at",
		nullString(m.MAC), m.State, m.StateReason, m.FailedStage, m.HeldFrom, m.Power, m.Phase,
		conds, hw, m.Arch, m.UUID, toNanos(tx.now), toNanos(m.StateChangedAt),
		m.Name, expect).Scan(&created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tx.revisionMismatch(machineKind, m.Name, expect,
			"SELECT revision FROM machines WHERE name = ?", m.Name)
	case err != nil:
		return failed("update", machineKind, m.Name, err)
	}
	m.Revision, m.CreatedAt, m.UpdatedAt = expect+1, fromNanos(created), tx.now
	return nil
}

// DeleteMachine deletes a machine (its events stay).
func (tx *Tx) DeleteMachine(name string) error {
	if err := tx.writable(); err != nil {
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
