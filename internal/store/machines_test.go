package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func newMachine(name, mac, state string) store.Machine {
	return store.Machine{Name: name, MAC: mac, State: state, Power: "unknown"}
}

func testMachines(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	since := time.Date(2025, 3, 4, 5, 6, 7, 891011121, time.UTC)
	m := store.Machine{
		Name: "r1-u07", MAC: "52:54:00:AA:BB:CC", State: "failed", StateReason: "disk died",
		FailedStage: "provisioning", Power: "on", Phase: "installing 42%",
		Conditions: []store.Condition{{Type: "bmc-unreachable", Reason: "timeout", Since: since, NextRetry: &since}},
		Hardware:   json.RawMessage(`{"cpus":32,"memoryGiB":256}`),
		Arch:       "x86_64", UUID: "4c4c4544-0042",
	}
	update(t, db, func(tx *store.Tx) error {
		require.NoError(t, tx.CreateMachine(&m))
		assert.Equal(t, "52:54:00:aa:bb:cc", m.MAC, "MAC is stored lower case")
		assert.Equal(t, int64(1), m.Revision)
		assert.Equal(t, tx.Now(), m.StateChangedAt, "a zero StateChangedAt is the transaction time")
		d1, d2 := newMachine("d1", "", "discovered"), newMachine("d2", "", "discovered")
		require.NoError(t, tx.CreateMachine(&d1), "machines without MAC do not collide")
		return tx.CreateMachine(&d2)
	})

	got := get(t, db, func(tx *store.Tx) (store.Machine, error) { return tx.GetMachine("r1-u07") })
	assert.Empty(t, cmp.Diff(m, got))
	byMAC := get(t, db, func(tx *store.Tx) (store.Machine, error) { return tx.GetMachineByMAC("52:54:00:aA:bB:Cc") })
	assert.Empty(t, cmp.Diff(m, byMAC))

	// Update: revision bump, fields cleared, creation time kept.
	u := got
	u.State, u.StateReason, u.FailedStage, u.Phase = "ready", "", "", ""
	u.Conditions, u.Hardware = nil, nil
	u.StateChangedAt = time.Date(2025, 3, 5, 0, 0, 0, 1, time.UTC)
	update(t, db, func(tx *store.Tx) error { return tx.UpdateMachine(&u, 1) })
	assert.Equal(t, int64(2), u.Revision)
	got = get(t, db, func(tx *store.Tx) (store.Machine, error) { return tx.GetMachine("r1-u07") })
	assert.Empty(t, cmp.Diff(u, got))
	assert.Equal(t, m.CreatedAt, got.CreatedAt)

	counts := get(t, db, func(tx *store.Tx) (map[string]int, error) { return tx.CountMachinesByState() })
	assert.Equal(t, map[string]int{"ready": 1, "discovered": 2}, counts)

	// Delete keeps the events.
	update(t, db, func(tx *store.Tx) error {
		return tx.AppendEvent(&store.Event{Machine: "d1", Type: "state", To: "discovered"})
	})
	update(t, db, func(tx *store.Tx) error { return tx.DeleteMachine("d1") })
	_, err := getErr(db, t, func(tx *store.Tx) (store.Machine, error) { return tx.GetMachine("d1") })
	assert.ErrorIs(t, err, store.ErrNotFound)
	evs := get(t, db, func(tx *store.Tx) ([]store.Event, error) { return tx.ListEvents(store.EventFilter{Machine: "d1"}) })
	assert.Len(t, evs, 1)
}

func testMachineConflicts(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	m1, m2 := newMachine("m1", "52:54:00:00:00:01", "registered"), newMachine("m2", "52:54:00:00:00:02", "registered")
	update(t, db, func(tx *store.Tx) error {
		require.NoError(t, tx.CreateMachine(&m1))
		return tx.CreateMachine(&m2)
	})
	tests := []struct {
		name    string
		fn      func(tx *store.Tx) error
		is      error
		message string
	}{
		{"create taken name", func(tx *store.Tx) error {
			m := newMachine("m1", "52:54:00:00:00:09", "registered")
			return tx.CreateMachine(&m)
		}, store.ErrConflict, "Machine m1: already exists: conflict"},
		{"create taken MAC (other case)", func(tx *store.Tx) error {
			m := newMachine("m3", "52:54:00:00:00:0A", "registered")
			m4 := newMachine("m4", "52:54:00:00:00:0a", "registered")
			require.NoError(t, tx.CreateMachine(&m))
			return tx.CreateMachine(&m4)
		}, store.ErrConflict, "machine mac 52:54:00:00:00:0a: used by machine m3: conflict"},
		{"update stale", func(tx *store.Tx) error {
			m := m1
			return tx.UpdateMachine(&m, 2)
		}, store.ErrConflict, "Machine m1: revision 1, expected 2: conflict"},
		{"update to a taken MAC", func(tx *store.Tx) error {
			m := m1
			m.MAC = "52:54:00:00:00:02"
			return tx.UpdateMachine(&m, 1)
		}, store.ErrConflict, "machine mac 52:54:00:00:00:02: used by machine m2: conflict"},
		{"update missing", func(tx *store.Tx) error {
			m := newMachine("zz", "", "ready")
			return tx.UpdateMachine(&m, 1)
		}, store.ErrNotFound, "Machine zz: not found"},
		{"delete missing", func(tx *store.Tx) error { return tx.DeleteMachine("zz") },
			store.ErrNotFound, "Machine zz: not found"},
		{"get missing MAC", func(tx *store.Tx) error {
			_, err := tx.GetMachineByMAC("52:54:00:00:00:FF")
			return err
		}, store.ErrNotFound, "machine mac 52:54:00:00:00:ff: not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Update(t.Context(), tc.fn)
			require.ErrorIs(t, err, tc.is)
			assert.EqualError(t, err, tc.message)
		})
	}
	// Nothing of the failed transactions stayed.
	ms := get(t, db, func(tx *store.Tx) ([]store.Machine, error) { return tx.ListMachines(store.MachineFilter{}) })
	assert.Empty(t, cmp.Diff([]store.Machine{m1, m2}, ms))
}

func testListMachines(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	states := []string{"ready", "active", "failed"}
	update(t, db, func(tx *store.Tx) error {
		for i := range 30 {
			m := newMachine(fmt.Sprintf("m%02d", 29-i), fmt.Sprintf("52:54:00:00:01:%02x", i), states[i%3])
			if err := tx.CreateMachine(&m); err != nil {
				return err
			}
		}
		return nil
	})
	names := func(f store.MachineFilter) (out []string) {
		ms := get(t, db, func(tx *store.Tx) ([]store.Machine, error) { return tx.ListMachines(f) })
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	all := names(store.MachineFilter{})
	require.Len(t, all, 30)
	assert.Equal(t, "m00", all[0])
	assert.Equal(t, "m29", all[29])
	assert.IsIncreasing(t, all)

	tests := []struct {
		name string
		f    store.MachineFilter
		want []string
	}{
		{"limit", store.MachineFilter{Limit: 3}, []string{"m00", "m01", "m02"}},
		{"after", store.MachineFilter{After: "m26"}, []string{"m27", "m28", "m29"}},
		{"after and limit", store.MachineFilter{After: "m10", Limit: 2}, []string{"m11", "m12"}},
		{"state", store.MachineFilter{State: "ready", Limit: 3}, []string{"m02", "m05", "m08"}},
		{"state after", store.MachineFilter{State: "failed", After: "m21"}, []string{"m24", "m27"}},
		{"no match", store.MachineFilter{State: "joining"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, names(tc.f)) })
	}
	counts := get(t, db, func(tx *store.Tx) (map[string]int, error) { return tx.CountMachinesByState() })
	assert.Equal(t, map[string]int{"ready": 10, "active": 10, "failed": 10}, counts)
}
