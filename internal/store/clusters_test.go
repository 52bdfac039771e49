package store_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func testClusterRecords(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	c := store.ClusterRecord{Name: "edge-1", Sealed: []byte{1, 2, 3}, State: json.RawMessage(`{"nodes":{"r1-u05":"10.244.0.0/24"}}`)}
	update(t, db, func(tx *store.Tx) error { return tx.PutClusterRecord(&c) })
	assert.JSONEq(t, `{}`, string(c.Status), "an empty status is stored as {}")
	got := get(t, db, func(tx *store.Tx) (store.ClusterRecord, error) { return tx.GetClusterRecord("edge-1") })
	assert.Empty(t, cmp.Diff(c, got))

	// Put again replaces everything but the creation time.
	r := store.ClusterRecord{Name: "edge-1", Sealed: []byte{9}, State: c.State, Status: json.RawMessage(`{"phase":"ready"}`)}
	update(t, db, func(tx *store.Tx) error { return tx.PutClusterRecord(&r) })
	assert.Equal(t, c.CreatedAt, r.CreatedAt)
	got = get(t, db, func(tx *store.Tx) (store.ClusterRecord, error) { return tx.GetClusterRecord("edge-1") })
	assert.Empty(t, cmp.Diff(r, got))

	err := db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.PutClusterRecord(&store.ClusterRecord{Name: "bad", State: json.RawMessage("{")})
	})
	assert.ErrorContains(t, err, "must be JSON")

	other := store.ClusterRecord{Name: "a-site"}
	update(t, db, func(tx *store.Tx) error { return tx.PutClusterRecord(&other) })
	list := get(t, db, func(tx *store.Tx) ([]store.ClusterRecord, error) { return tx.ListClusterRecords() })
	require.Len(t, list, 2)
	assert.Equal(t, []string{"a-site", "edge-1"}, []string{list[0].Name, list[1].Name})

	update(t, db, func(tx *store.Tx) error { return tx.DeleteClusterRecord("a-site") })
	err = db.Update(t.Context(), func(tx *store.Tx) error { return tx.DeleteClusterRecord("a-site") })
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = getErr(db, t, func(tx *store.Tx) (store.ClusterRecord, error) { return tx.GetClusterRecord("a-site") })
	assert.ErrorIs(t, err, store.ErrNotFound)
}
