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
