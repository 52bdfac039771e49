package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// machineColumns are the columns a machine is read from (see doc.go).
const machineColumns = "doc, hardware"

// machineKind names machine rows in errors, like the Machine objects.
const machineKind = "Machine"

// normalizeMachine returns a copy of m with a lower case MAC and UTC times,
// and its hardware column value.
func normalizeMachine(m *Machine) (Machine, any, error) {
	n := *m
	n.MAC = strings.ToLower(n.MAC)
	n.StateChangedAt = utc(n.StateChangedAt)
	hw, err := rawJSON("hardware", n.Hardware)
	if err != nil {
		return Machine{}, nil, fmt.Errorf("machine %s: %w", m.Name, err)
	}
	return n, hw, nil
}

func encodeMachine(m *Machine) ([]byte, error) {
	var conds []byte
	if len(m.Conditions) > 0 {
		var err error
		if conds, err = json.Marshal(m.Conditions); err != nil {
			return nil, fmt.Errorf("machine %s: conditions: %w", m.Name, err)
		}
	}
	w := newDocWriter(128 + len(m.StateReason) + len(conds))
	for _, s := range []string{m.Name, m.MAC, m.State, m.StateReason, m.FailedStage, m.HeldFrom, m.Power, m.Phase} {
		w.str(s)
	}
	w.bytes(conds)
	w.str(m.Arch)
	w.str(m.UUID)
	w.int(m.Revision)
	w.time(m.CreatedAt)
	w.time(m.UpdatedAt)
	w.time(m.StateChangedAt)
	return w.b, nil
}

func decodeMachine(doc string, hw []byte) (Machine, error) {
	r := newDocReader(doc)
	m := Machine{
		Name: r.str(), MAC: r.str(), State: r.str(), StateReason: r.str(), FailedStage: r.str(),
		HeldFrom: r.str(), Power: r.str(), Phase: r.str(),
	}
	conds := r.str()
	m.Arch, m.UUID = r.str(), r.str()
	m.Revision, m.CreatedAt, m.UpdatedAt, m.StateChangedAt = r.int(), r.time(), r.time(), r.time()
	if r.err != nil {
		return Machine{}, fmt.Errorf("machine %s: %w", m.Name, r.err)
	}
	if conds != "" {
		// Decoded into a local so that m itself stays off the heap.
		var cs []Condition
		if err := json.Unmarshal([]byte(conds), &cs); err != nil {
			return Machine{}, fmt.Errorf("machine %s: conditions: %w", m.Name, err)
		}
		m.Conditions = cs
	}
	if len(hw) > 0 {
		m.Hardware = hw
	}
	return m, nil
}

func machineReader() rowReader[Machine] {
	var (
		doc sql.RawBytes
		hw  []byte
	)
	return rowReader[Machine]{
		dest: []any{&doc, &hw},
		read: func() (Machine, error) { return decodeMachine(string(doc), hw) },
	}
}

// GetMachine returns a machine by name or ErrNotFound.
func (tx *Tx) GetMachine(name string) (Machine, error) {
	m, err := getOne(tx, machineReader(), "SELECT "+machineColumns+" FROM machines WHERE name = ?", name)
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
	m, err := getOne(tx, machineReader(), "SELECT "+machineColumns+" FROM machines WHERE mac = ?", mac)
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
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	size := f.Limit
	if f.Limit <= 0 {
		var err error
		if size, err = tx.count("machines", cond, args...); err != nil {
			return nil, fmt.Errorf("list machines: %w", err)
		}
	}
	q := "SELECT " + machineColumns + " FROM machines" + cond + " ORDER BY name"
	if f.Limit > 0 {
		q, args = q+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := tx.query(q, args...)
	ms, err := collect(rows, err, size, machineReader())
	if err != nil {
		return nil, fmt.Errorf("list machines: %w", err)
	}
	return ms, nil
}

// CountMachinesByState returns the number of machines in each state.
func (tx *Tx) CountMachinesByState() (map[string]int, error) {
	rows, err := tx.query("SELECT state, COUNT(*) FROM machines GROUP BY state")
	var (
		state string
		n     int
	)
	out := map[string]int{}
	_, err = collect(rows, err, 0, rowReader[struct{}]{
		dest: []any{&state, &n},
		read: func() (struct{}, error) { out[state] = n; return struct{}{}, nil },
	})
	if err != nil {
		return nil, fmt.Errorf("count machines: %w", err)
	}
	return out, nil
}
