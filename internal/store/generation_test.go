package store_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// testInventoryGeneration: the generation moves on every committed write of
// machines or objects, and only then (events, rolled-back writes and reads
// leave it alone), and it survives a reopen.
func testInventoryGeneration(t *testing.T, fresh opener) {
	cfg := fresh(t)
	db := open(t, cfg)
	gen := func() int64 {
		return get(t, db, func(tx *store.Tx) (int64, error) { return tx.InventoryGeneration() })
	}
	g0 := gen()

	update(t, db, func(tx *store.Tx) error { return tx.AppendEvent(&store.Event{Type: "x"}) })
	assert.Equal(t, g0, gen(), "an event is not an inventory write")

	update(t, db, func(tx *store.Tx) error {
		return tx.CreateObject(&store.Object{Kind: "Fleet", Name: "f", Spec: []byte(`{}`)})
	})
	g1 := gen()
	assert.Greater(t, g1, g0)

	update(t, db, func(tx *store.Tx) error {
		m := newMachine("m", "52:54:00:00:00:01", "ready")
		return tx.CreateMachine(&m)
	})
	g2 := gen()
	assert.Greater(t, g2, g1)

	err := db.Update(t.Context(), func(tx *store.Tx) error {
		if err := tx.DeleteMachine("m"); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	require.EqualError(t, err, "roll back")
	assert.Equal(t, g2, gen(), "a rolled-back write leaves the generation")

	require.NoError(t, db.Close())
	db = open(t, cfg)
	assert.Equal(t, g2, gen())
}

// testMachinesChangedSince: the change log names exactly the machines
// whose row or Machine object a generation wrote, and says when it no longer
// reaches back far enough.
func testMachinesChangedSince(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	gen := func() int64 {
		return get(t, db, func(tx *store.Tx) (int64, error) { return tx.InventoryGeneration() })
	}
	since := func(g int64) ([]string, bool) {
		t.Helper()
		var names []string
		var ok bool
		view(t, db, func(tx *store.Tx) (err error) { names, ok, err = tx.MachinesChangedSince(g); return err })
		return names, ok
	}
	g0 := gen()
	update(t, db, func(tx *store.Tx) error {
		for _, n := range []string{"b", "a"} {
			m := newMachine(n, "", "ready")
			if err := tx.CreateMachine(&m); err != nil {
				return err
			}
			if err := tx.CreateObject(&store.Object{Kind: "Machine", Name: n, Spec: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	g1 := gen()
	update(t, db, func(tx *store.Tx) error {
		m, err := tx.GetMachine("b")
		if err != nil {
			return err
		}
		return tx.UpdateMachine(&m, m.Revision)
	})
	g2 := gen()
	update(t, db, func(tx *store.Tx) error { return tx.DeleteObject("Machine", "a", 0) })
	g3 := gen()
	update(t, db, func(tx *store.Tx) error {
		return tx.CreateObject(&store.Object{Kind: "Fleet", Name: "f", Spec: []byte(`{}`)})
	})
	g4 := gen()
	require.Greater(t, g4, g3, "any object write moves the generation")

	for _, tt := range []struct {
		since int64
		want  []string
	}{{g0, []string{"a", "b"}}, {g1, []string{"a", "b"}}, {g2, []string{"a"}}, {g3, nil}, {g4, nil}} {
		names, ok := since(tt.since)
		assert.True(t, ok)
		assert.Equal(t, tt.want, names, "since %d", tt.since)
	}

	// Past the retention window the log says it cannot answer.
	for i := range 4096 + 256 {
		update(t, db, func(tx *store.Tx) error {
			if i%2 == 1 {
				return tx.DeleteObject("Fleet", "g", 0)
			}
			return tx.CreateObject(&store.Object{Kind: "Fleet", Name: "g", Spec: []byte(`{}`)})
		})
	}
	_, ok := since(g1)
	assert.False(t, ok, "changes before the pruned generation are gone")
	names, ok := since(gen() - 10)
	assert.True(t, ok)
	assert.Empty(t, names)
}
