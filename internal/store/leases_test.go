package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func TestLeases(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		t.Run("CRUD", func(t *testing.T) { t.Parallel(); testLeases(t, fresh) })
	})
}

func testLeases(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	exp := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	a := store.Lease{Network: "lab", IP: "198.18.0.10", MAC: "52:54:00:00:00:01", Hostname: "r1-u01",
		State: store.LeaseBound, Expires: exp}
	b := store.Lease{Network: "lab", IP: "198.18.0.11", MAC: "52:54:00:00:00:02", ClientID: "01ab",
		State: store.LeaseOffered, Expires: exp}
	other := store.Lease{Network: "edge", IP: "198.18.0.10", MAC: "52:54:00:00:00:09",
		State: store.LeaseReleased, Expires: exp}
	update(t, db, func(tx *store.Tx) error {
		for _, l := range []*store.Lease{&a, &b, &other} {
			if err := tx.PutLease(l); err != nil {
				return err
			}
		}
		return nil
	})
	got := get(t, db, func(tx *store.Tx) (store.Lease, error) { return tx.GetLease("lab", "198.18.0.10") })
	assert.Empty(t, cmp.Diff(a, got))
	got = get(t, db, func(tx *store.Tx) (store.Lease, error) { return tx.LeaseByMAC("lab", "52:54:00:00:00:02") })
	assert.Empty(t, cmp.Diff(b, got))
	got = get(t, db, func(tx *store.Tx) (store.Lease, error) { return tx.LeaseByIP("198.18.0.10") })
	assert.Equal(t, "52:54:00:00:00:01", got.MAC, "the bound lease wins over a released one elsewhere")

	// Put replaces the row of (network, ip).
	b.State, b.MAC = store.LeaseDeclined, "52:54:00:00:00:03"
	update(t, db, func(tx *store.Tx) error { return tx.PutLease(&b) })
	list := get(t, db, func(tx *store.Tx) ([]store.Lease, error) { return tx.ListLeases("lab") })
	assert.Empty(t, cmp.Diff([]store.Lease{a, b}, list))
	all := get(t, db, func(tx *store.Tx) ([]store.Lease, error) { return tx.ListLeases("") })
	assert.Len(t, all, 3)

	update(t, db, func(tx *store.Tx) error { return tx.DeleteLease("lab", "198.18.0.10") })
	_, err := getErr(db, t, func(tx *store.Tx) (store.Lease, error) { return tx.GetLease("lab", "198.18.0.10") })
	require.ErrorIs(t, err, store.ErrNotFound)
	err = db.Update(t.Context(), func(tx *store.Tx) error { return tx.DeleteLease("lab", "198.18.0.10") })
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = getErr(db, t, func(tx *store.Tx) (store.Lease, error) { return tx.LeaseByIP("198.18.9.9") })
	assert.ErrorIs(t, err, store.ErrNotFound)
	err = db.Update(t.Context(), func(tx *store.Tx) error { return tx.PutLease(&store.Lease{Network: "lab"}) })
	assert.ErrorContains(t, err, "required")
}
