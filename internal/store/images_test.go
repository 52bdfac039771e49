package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func TestImageStatus(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		db := open(t, fresh(t))
		gen := get(t, db, func(tx *store.Tx) (int64, error) { return tx.InventoryGeneration() })
		update(t, db, func(tx *store.Tx) error {
			if err := tx.PutImageStatus(&store.ImageStatus{Name: "b", Status: store.ImagePending, Format: "raw"}); err != nil {
				return err
			}
			return tx.PutImageStatus(&store.ImageStatus{Name: "a", Status: store.ImageFailed, Reason: "sha256 mismatch"})
		})
		update(t, db, func(tx *store.Tx) error {
			return tx.PutImageStatus(&store.ImageStatus{Name: "b", Status: store.ImageReady, SHA256: "ab", Format: "raw", Size: 42})
		})
		b := get(t, db, func(tx *store.Tx) (store.ImageStatus, error) { return tx.GetImageStatus("b") })
		assert.Equal(t, store.ImageReady, b.Status)
		assert.Equal(t, int64(42), b.Size)
		assert.False(t, b.UpdatedAt.IsZero())
		all := get(t, db, func(tx *store.Tx) ([]store.ImageStatus, error) { return tx.ListImageStatus() })
		require.Len(t, all, 2)
		assert.Equal(t, "a", all[0].Name)
		assert.Equal(t, "sha256 mismatch", all[0].Reason)

		update(t, db, func(tx *store.Tx) error { return tx.DeleteImageStatus("a") })
		_, err := imageStatus(t, db, "a")
		require.ErrorIs(t, err, store.ErrNotFound)
		// Status writes are not inventory changes.
		assert.Equal(t, gen, get(t, db, func(tx *store.Tx) (int64, error) { return tx.InventoryGeneration() }))
	})
}

func imageStatus(t *testing.T, db *store.DB, name string) (store.ImageStatus, error) {
	var st store.ImageStatus
	err := db.View(t.Context(), func(tx *store.Tx) error {
		var err error
		st, err = tx.GetImageStatus(name)
		return err
	})
	return st, err
}
