package store_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func testObjects(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	spec := json.RawMessage(`{"subnet": "10.0.0.0/24",  "mode":"full"}`) // kept byte for byte
	n1 := store.Object{Kind: "Network", Name: "n1", Labels: map[string]string{"site": "a"}, Spec: spec}
	var created store.Object
	update(t, db, func(tx *store.Tx) error {
		for _, o := range []store.Object{
			n1,
			{Kind: "Image", Name: "edge-os", Spec: json.RawMessage(`{"url":"http://x"}`)},
			{Kind: "Network", Name: "a0", Spec: json.RawMessage(`{}`)},
		} {
			if err := tx.CreateObject(&o); err != nil {
				return err
			}
			assert.Equal(t, int64(1), o.Revision)
			assert.Equal(t, tx.Now(), o.CreatedAt)
			assert.Equal(t, tx.Now(), o.UpdatedAt)
			if o.Name == "n1" {
				created = o
			}
		}
		return nil
	})

	got := get(t, db, func(tx *store.Tx) (store.Object, error) { return tx.GetObject("Network", "n1") })
	assert.Empty(t, cmp.Diff(created, got))
	assert.Equal(t, string(spec), string(got.Spec))

	names := func(objs []store.Object) (out []string) {
		for _, o := range objs {
			out = append(out, o.Kind+"/"+o.Name)
		}
		return out
	}
	all := get(t, db, func(tx *store.Tx) ([]store.Object, error) { return tx.ListObjects("") })
	assert.Equal(t, []string{"Image/edge-os", "Network/a0", "Network/n1"}, names(all))
	nets := get(t, db, func(tx *store.Tx) ([]store.Object, error) { return tx.ListObjects("Network") })
	assert.Equal(t, []string{"Network/a0", "Network/n1"}, names(nets))
	none := get(t, db, func(tx *store.Tx) ([]store.Object, error) { return tx.ListObjects("Fleet") })
	assert.Empty(t, none)

	// Update bumps the revision and keeps the creation time.
	upd := got
	upd.Labels = nil
	upd.Spec = json.RawMessage(`{"subnet":"10.0.1.0/24"}`)
	update(t, db, func(tx *store.Tx) error { return tx.UpdateObject(&upd, 1) })
	assert.Equal(t, int64(2), upd.Revision)
	got = get(t, db, func(tx *store.Tx) (store.Object, error) { return tx.GetObject("Network", "n1") })
	assert.Empty(t, cmp.Diff(upd, got))
	assert.Equal(t, created.CreatedAt, got.CreatedAt)
	assert.True(t, got.UpdatedAt.After(created.UpdatedAt) || got.UpdatedAt.Equal(created.UpdatedAt))

	// Delete with the right revision, and with 0 (any).
	update(t, db, func(tx *store.Tx) error { return tx.DeleteObject("Network", "n1", 2) })
	update(t, db, func(tx *store.Tx) error { return tx.DeleteObject("Network", "a0", 0) })
	_, err := getErr(db, t, func(tx *store.Tx) (store.Object, error) { return tx.GetObject("Network", "n1") })
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.EqualError(t, err, "Network n1: not found")
}

func testObjectConflicts(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	o := store.Object{Kind: "Network", Name: "n1", Spec: json.RawMessage(`{}`)}
	update(t, db, func(tx *store.Tx) error { return tx.CreateObject(&o) })

	tests := []struct {
		name    string
		fn      func(tx *store.Tx) error
		is      error
		message string
	}{
		{"create existing", func(tx *store.Tx) error {
			return tx.CreateObject(&store.Object{Kind: "Network", Name: "n1", Spec: json.RawMessage(`{}`)})
		}, store.ErrConflict, "Network n1: already exists: conflict"},
		{"update stale", func(tx *store.Tx) error {
			u := o
			return tx.UpdateObject(&u, 2)
		}, store.ErrConflict, "Network n1: revision 1, expected 2: conflict"},
		{"update missing", func(tx *store.Tx) error {
			return tx.UpdateObject(&store.Object{Kind: "Network", Name: "nope"}, 1)
		}, store.ErrNotFound, "Network nope: not found"},
		{"delete stale", func(tx *store.Tx) error {
			return tx.DeleteObject("Network", "n1", 3)
		}, store.ErrConflict, "Network n1: revision 1, expected 3: conflict"},
		{"delete missing", func(tx *store.Tx) error {
			return tx.DeleteObject("Image", "n1", 0)
		}, store.ErrNotFound, "Image n1: not found"},
		{"invalid spec", func(tx *store.Tx) error {
			return tx.CreateObject(&store.Object{Kind: "Image", Name: "i", Spec: json.RawMessage(`{`)})
		}, nil, "Image i: spec: invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Update(t.Context(), tc.fn)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			assert.EqualError(t, err, tc.message)
		})
	}
	// A conflict inside a transaction leaves it usable (on both drivers).
	update(t, db, func(tx *store.Tx) error {
		err := tx.CreateObject(&store.Object{Kind: "Network", Name: "n1"})
		require.ErrorIs(t, err, store.ErrConflict)
		return tx.CreateObject(&store.Object{Kind: "Network", Name: "n2"})
	})
	got := get(t, db, func(tx *store.Tx) (store.Object, error) { return tx.GetObject("Network", "n1") })
	assert.Equal(t, int64(1), got.Revision)
}

// getErr is get for a call expected to fail.
func getErr[T any](db *store.DB, t *testing.T, fn func(tx *store.Tx) (T, error)) (T, error) {
	var v T
	err := db.View(t.Context(), func(tx *store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v, err
}
