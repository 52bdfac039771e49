package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func testViewCannotWrite(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	writes := map[string]func(tx *store.Tx) error{
		"CreateObject":    func(tx *store.Tx) error { return tx.CreateObject(&store.Object{Kind: "Fleet", Name: "f"}) },
		"UpdateObject":    func(tx *store.Tx) error { return tx.UpdateObject(&store.Object{Kind: "Fleet", Name: "f"}, 1) },
		"DeleteObject":    func(tx *store.Tx) error { return tx.DeleteObject("Fleet", "f", 0) },
		"CreateMachine":   func(tx *store.Tx) error { m := newMachine("m", "", "ready"); return tx.CreateMachine(&m) },
		"UpdateMachine":   func(tx *store.Tx) error { m := newMachine("m", "", "ready"); return tx.UpdateMachine(&m, 1) },
		"DeleteMachine":   func(tx *store.Tx) error { return tx.DeleteMachine("m") },
		"AppendEvent":     func(tx *store.Tx) error { return tx.AppendEvent(&store.Event{Type: "x"}) },
		"PutCredential":   func(tx *store.Tx) error { return tx.PutCredential(&store.Credential{Name: "c"}) },
		"DeleteCred":      func(tx *store.Tx) error { return tx.DeleteCredential("c") },
		"CreateToken":     func(tx *store.Tx) error { return tx.CreateToken(&store.Token{ID: "t"}) },
		"DeleteToken":     func(tx *store.Tx) error { return tx.DeleteToken("t") },
		"AppendAudit":     func(tx *store.Tx) error { return tx.AppendAudit(&store.Audit{Actor: "a"}) },
		"CreateOperation": func(tx *store.Tx) error { return tx.CreateOperation(&store.Operation{ID: "o"}) },
		"UpdateOperation": func(tx *store.Tx) error { return tx.UpdateOperation(&store.Operation{ID: "o"}) },
	}
	for name, fn := range writes {
		t.Run(name, func(t *testing.T) {
			err := db.View(t.Context(), fn)
			assert.EqualError(t, err, "store: write in a read-only transaction")
		})
	}
	assert.Equal(t, noRows, rowCounts(t, db))
}

// testViewSnapshot checks a View sees one snapshot even while writes commit.
func testViewSnapshot(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	add := func(name string) {
		update(t, db, func(tx *store.Tx) error { m := newMachine(name, "", "ready"); return tx.CreateMachine(&m) })
	}
	add("a")
	view(t, db, func(tx *store.Tx) error {
		before, err := tx.ListMachines(store.MachineFilter{})
		require.NoError(t, err)
		add("b")
		after, err := tx.ListMachines(store.MachineFilter{})
		require.NoError(t, err)
		assert.Len(t, before, 1)
		assert.Len(t, after, 1, "a View keeps its snapshot")
		return nil
	})
	// A new View sees the committed write at once.
	ms := get(t, db, func(tx *store.Tx) ([]store.Machine, error) { return tx.ListMachines(store.MachineFilter{}) })
	assert.Len(t, ms, 2)
}
