package machine

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "s.db")}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func createMachine(t *testing.T, db *store.DB, name string) {
	t.Helper()
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		return Create(tx, &store.Machine{Name: name, MAC: "52:54:00:00:00:01"}, Registered,
			Cause{Reason: "inventory", Actor: "token:ci", Message: "declared in site.yaml"})
	}))
}

func events(t *testing.T, db *store.DB, name string) []store.Event {
	t.Helper()
	var evs []store.Event
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) error {
		var err error
		evs, err = tx.ListEvents(store.EventFilter{Machine: name})
		return err
	}))
	return evs
}

func TestTransitionWritesStateAndEvent(t *testing.T) {
	db := openDB(t)
	createMachine(t, db, "r1-u07")

	var m store.Machine
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		var err error
		m, err = Transition(tx, "r1-u07", Inspect, Cause{Reason: "operator", Actor: "token:ops"})
		return err
	}))
	assert.Equal(t, string(Inspecting), m.State)

	evs := events(t, db, "r1-u07")
	require.Len(t, evs, 2)
	assert.Equal(t, store.Event{ID: evs[0].ID, Time: evs[0].Time, Machine: "r1-u07", Type: "state", Reason: "inventory",
		Message: "declared in site.yaml", Cause: "register", Actor: "token:ci", To: "registered"}, evs[0])
	assert.Equal(t, "inspecting", evs[1].To)
	assert.Equal(t, "registered", evs[1].From)
	assert.Equal(t, "inspect", evs[1].Cause)
	assert.Equal(t, "token:ops", evs[1].Actor)
	assert.False(t, evs[1].Time.IsZero())
}

func TestRefusedTransitionChangesNothing(t *testing.T) {
	db := openDB(t)
	createMachine(t, db, "r1-u07")
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := Transition(tx, "r1-u07", Installed, Cause{Actor: "agent"})
		return err
	})
	require.ErrorIs(t, err, ErrTransition)
	assert.Contains(t, err.Error(), "machine r1-u07: installed is not possible while registered")
	assert.Len(t, events(t, db, "r1-u07"), 1)

	err = db.Update(t.Context(), func(tx *store.Tx) error {
		if _, err := Transition(tx, "r1-u07", Inspect, Cause{}); err != nil {
			return err
		}
		_, err := Transition(tx, "r1-u07", Fail, Cause{Actor: "agent"})
		return err
	})
	require.EqualError(t, err, "machine r1-u07: fail needs a reason")
	assert.Len(t, events(t, db, "r1-u07"), 1, "the whole transaction rolled back")
}

func TestMaintenanceReturnsToHeldState(t *testing.T) {
	db := openDB(t)
	createMachine(t, db, "r1-u07")
	steps := []struct {
		trigger Trigger
		want    State
	}{
		{Inspect, Inspecting}, {Inspected, Ready}, {MaintenanceOn, Maintenance}, {MaintenanceOff, Ready},
	}
	for _, s := range steps {
		require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
			m, err := Transition(tx, "r1-u07", s.trigger, Cause{Actor: "token:ops", Message: "rack work"})
			if err == nil {
				assert.Equal(t, string(s.want), m.State, "after %s", s.trigger)
			}
			return err
		}))
	}
}

func TestRecover(t *testing.T) {
	db := openDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	states := map[string]State{"a-prov": Provisioning, "b-insp": Inspecting, "c-ready": Ready, "d-boot": Booting}
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		i := 0
		for name, st := range states {
			i++
			m := &store.Machine{Name: name, MAC: "52:54:00:00:00:0" + string(rune('0'+i))}
			if err := Create(tx, m, Registered, Cause{Actor: "test"}); err != nil {
				return err
			}
			rev := m.Revision
			m.State = string(st)
			if err := tx.UpdateMachine(m, rev); err != nil {
				return err
			}
		}
		return nil
	}))

	n, err := Recover(t.Context(), db, log)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "provisioning, inspecting and booting resume")

	get := func(name string) store.Machine {
		var m store.Machine
		require.NoError(t, db.View(t.Context(), func(tx *store.Tx) error {
			var err error
			m, err = tx.GetMachine(name)
			return err
		}))
		return m
	}
	assert.Equal(t, string(Provisioning), get("a-prov").State, "the agent carries on installing while the appliance is down")
	assert.Equal(t, string(Inspecting), get("b-insp").State)
	assert.Equal(t, string(Booting), get("d-boot").State)
	assert.Equal(t, string(Ready), get("c-ready").State)

	last := events(t, db, "b-insp")
	assert.Equal(t, "recovery", last[len(last)-1].Type)
	assert.Contains(t, last[len(last)-1].Message, "resuming")

	// A second start notes the resumed machines again.
	n, err = Recover(t.Context(), db, log)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}
