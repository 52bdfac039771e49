package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func TestUsersAndSessions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		t.Run("Users", func(t *testing.T) {
			t.Parallel()
			testUsers(t, fresh)
		})
		t.Run("Sessions", func(t *testing.T) {
			t.Parallel()
			testSessions(t, fresh)
		})
	})
}

func testUsers(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	u := store.User{Name: "ana", Role: "viewer", PasswordHash: []byte("h1"), CreatedBy: "cli"}
	update(t, db, func(tx *store.Tx) error { return tx.PutUser(&u) })
	again := store.User{Name: "ana", Role: "admin", PasswordHash: []byte("h2"), CreatedBy: "other"}
	update(t, db, func(tx *store.Tx) error { return tx.PutUser(&again) })

	var got store.User
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) {
		got, err = tx.GetUser("ana")
		return err
	}))
	assert.Equal(t, "admin", got.Role, "a second put replaces the role")
	assert.Equal(t, []byte("h2"), got.PasswordHash)
	assert.Equal(t, "cli", got.CreatedBy, "and keeps who created the user")

	err := db.Update(t.Context(), func(tx *store.Tx) error { return tx.PutUser(&store.User{Name: "x"}) })
	require.ErrorContains(t, err, "required")
	update(t, db, func(tx *store.Tx) error { return tx.DeleteUser("ana") })
	err = db.View(t.Context(), func(tx *store.Tx) error { _, err := tx.GetUser("ana"); return err })
	require.ErrorIs(t, err, store.ErrNotFound)
	err = db.Update(t.Context(), func(tx *store.Tx) error { return tx.DeleteUser("ana") })
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testSessions(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	update(t, db, func(tx *store.Tx) error {
		return tx.PutUser(&store.User{Name: "ana", Role: "operator", PasswordHash: []byte("h")})
	})
	s := store.Session{Hash: hashOf("cookie"), User: "ana", CSRF: "c", ExpiresAt: time.Now().Add(time.Hour)}
	update(t, db, func(tx *store.Tx) error { return tx.CreateSession(&s) })
	dup := s
	require.ErrorIs(t, db.Update(t.Context(), func(tx *store.Tx) error { return tx.CreateSession(&dup) }), store.ErrConflict)
	nobody := store.Session{Hash: hashOf("n"), User: "nobody", CSRF: "c", ExpiresAt: time.Now().Add(time.Hour)}
	require.ErrorIs(t, db.Update(t.Context(), func(tx *store.Tx) error { return tx.CreateSession(&nobody) }), store.ErrNotFound)

	var got store.Session
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) {
		got, err = tx.GetSession(hashOf("cookie"))
		return err
	}))
	assert.Equal(t, "ana", got.User)
	assert.Equal(t, "c", got.CSRF)

	old := store.Session{Hash: hashOf("old"), User: "ana", CSRF: "c", CreatedAt: time.Now().Add(-2 * time.Hour),
		ExpiresAt: time.Now().Add(-time.Hour)}
	update(t, db, func(tx *store.Tx) error { return tx.CreateSession(&old) })
	err := db.View(t.Context(), func(tx *store.Tx) error { _, err := tx.GetSession(hashOf("old")); return err })
	require.ErrorIs(t, err, store.ErrNotFound, "an expired session is not found")
	update(t, db, func(tx *store.Tx) error {
		n, err := tx.DeleteExpiredSessions(time.Now())
		assert.Equal(t, int64(1), n)
		return err
	})

	update(t, db, func(tx *store.Tx) error { return tx.DeleteSession(hashOf("cookie")) })
	err = db.View(t.Context(), func(tx *store.Tx) error { _, err := tx.GetSession(hashOf("cookie")); return err })
	require.ErrorIs(t, err, store.ErrNotFound, "a deleted session is gone")
}
