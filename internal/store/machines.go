package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

const machineColumns = "name, mac, state, state_reason, failed_stage, held_from, power, phase," +
	" conditions, hardware, arch, uuid, revision, created_at, updated_at, state_changed_at"

// machineKind names machine rows in errors, like the Machine objects.
const machineKind = "Machine"

func scanMachine(sc scanner) (Machine, error) {
	var (
		m                         Machine
		mac                       sql.NullString
		conds, hw                 []byte
		created, updated, changed int64
	)
	err := sc.Scan(&m.Name, &mac, &m.State, &m.StateReason, &m.FailedStage, &m.HeldFrom,
		&m.Power, &m.Phase, &conds, &hw, &m.Arch, &m.UUID, &m.Revision,
		&created, &updated, &changed)
	if err != nil {
		return Machine{}, err
	}
	m.MAC = mac.String
	if len(conds) > 0 {
		if err := json.Unmarshal(conds, &m.Conditions); err != nil {
			return Machine{}, fmt.Errorf("machine %s: conditions: %w", m.Name, err)
		}
	}
	if len(hw) > 0 {
		m.Hardware = hw
	}
	m.CreatedAt, m.UpdatedAt, m.StateChangedAt = fromNanos(created), fromNanos(updated), fromNanos(changed)
	return m, nil
}

// machineValues normalizes m (lower case MAC, UTC times) and encodes its
// JSON columns.
func machineValues(m *Machine) (conds, hw any, err error) {
	m.MAC = strings.ToLower(m.MAC)
	m.StateChangedAt = utc(m.StateChangedAt)
	if conds, err = marshalJSON("conditions", m.Conditions, len(m.Conditions) == 0); err != nil {
		return nil, nil, fmt.Errorf("machine %s: %w", m.Name, err)
	}
	if hw, err = rawJSON("hardware", m.Hardware); err != nil {
		return nil, nil, fmt.Errorf("machine %s: %w", m.Name, err)
	}
	return conds, hw, nil
}

// GetMachine returns a machine by name or ErrNotFound.
func (tx *Tx) GetMachine(name string) (Machine, error) {
	m, err := scanMachine(tx.queryRow("SELECT "+machineColumns+" FROM machines WHERE name = ?", name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Machine{}, notFound(machineKind, name)
	case err != nil:
		return Machine{}, fmt.Errorf("get machine %s: %w", name, err)
	}
	return m, nil
}

// GetMachineByMAC returns a machine by MAC (any case) or ErrNotFound.
func (tx *Tx) GetMachineByMAC(mac string) (Machine, error) {
	mac = strings.ToLower(mac)
	m, err := scanMachine(tx.queryRow("SELECT "+machineColumns+" FROM machines WHERE mac = ?", mac))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Machine{}, fmt.Errorf("machine mac %s: %w", mac, ErrNotFound)
	case err != nil:
		return Machine{}, fmt.Errorf("get machine mac %s: %w", mac, err)
	}
	return m, nil
}

// ListMachines returns machines ordered by name.
func (tx *Tx) ListMachines(f MachineFilter) ([]Machine, error) {
	var (
		where []string
		args  []any
	)
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if f.After != "" {
		where, args = append(where, "name > ?"), append(args, f.After)
	}
	q := "SELECT " + machineColumns + " FROM machines"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY name"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(q, args...)
	ms, err := collect(rows, err, scanMachine)
	if err != nil {
		return nil, fmt.Errorf("list machines: %w", err)
	}
	return ms, nil
}

// CountMachinesByState returns the number of machines in each state.
func (tx *Tx) CountMachinesByState() (map[string]int, error) {
	rows, err := tx.query("SELECT state, COUNT(*) FROM machines GROUP BY state")
	type count struct {
		state string
		n     int
	}
	counts, err := collect(rows, err, func(sc scanner) (c count, err error) {
		return c, sc.Scan(&c.state, &c.n)
	})
	if err != nil {
		return nil, fmt.Errorf("count machines: %w", err)
	}
	out := make(map[string]int, len(counts))
	for _, c := range counts {
		out[c.state] = c.n
	}
	return out, nil
}
