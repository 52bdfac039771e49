package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func TestAgentSessions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		t.Parallel()
		db := open(t, fresh(t))
		s := store.AgentSession{Hash: hashOf("s1"), Machine: "r1-u05", Kind: store.AgentSessionAgent,
			Addr: "198.18.0.10", ExpiresAt: time.Now().Add(time.Hour)}
		update(t, db, func(tx *store.Tx) error { return tx.CreateAgentSession(&s) })
		dup := s
		require.ErrorIs(t, db.Update(t.Context(), func(tx *store.Tx) error { return tx.CreateAgentSession(&dup) }),
			store.ErrConflict)
		old := store.AgentSession{Hash: hashOf("s0"), Machine: "r1-u05", Kind: store.AgentSessionAgent,
			ExpiresAt: time.Now().Add(-time.Minute)}
		update(t, db, func(tx *store.Tx) error { return tx.CreateAgentSession(&old) })

		got := get(t, db, func(tx *store.Tx) (store.AgentSession, error) {
			return tx.GetAgentSession(store.AgentSessionAgent, hashOf("s1"))
		})
		assert.Equal(t, "198.18.0.10", got.Addr)
		err := db.View(t.Context(), func(tx *store.Tx) error {
			_, err := tx.GetAgentSession(store.AgentSessionPhoneHome, hashOf("s1"))
			return err
		})
		require.ErrorIs(t, err, store.ErrNotFound, "a session of another kind does not authenticate")
		err = db.View(t.Context(), func(tx *store.Tx) error {
			_, err := tx.GetAgentSession(store.AgentSessionAgent, hashOf("s0"))
			return err
		})
		require.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorContains(t, err, "expired")

		live := get(t, db, func(tx *store.Tx) ([]store.AgentSession, error) {
			return tx.LiveAgentSessions("r1-u05", store.AgentSessionAgent)
		})
		require.Len(t, live, 1)

		var n int64
		update(t, db, func(tx *store.Tx) (err error) {
			n, err = tx.RevokeAgentSessions("r1-u05", store.AgentSessionAgent)
			return err
		})
		assert.EqualValues(t, 2, n)
		err = db.View(t.Context(), func(tx *store.Tx) error {
			_, err := tx.GetAgentSession(store.AgentSessionAgent, hashOf("s1"))
			return err
		})
		assert.ErrorContains(t, err, "revoked")
		update(t, db, func(tx *store.Tx) (err error) {
			n, err = tx.DeleteExpiredAgentSessions(time.Now())
			return err
		})
		assert.EqualValues(t, 1, n)
	})
}

func TestWorkerCursor(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		t.Parallel()
		db := open(t, fresh(t))
		id := get(t, db, func(tx *store.Tx) (int64, error) { return tx.WorkerCursor("journey") })
		assert.Zero(t, id)
		update(t, db, func(tx *store.Tx) error { return tx.SetWorkerCursor("journey", 41) })
		update(t, db, func(tx *store.Tx) error { return tx.SetWorkerCursor("journey", 42) })
		id = get(t, db, func(tx *store.Tx) (int64, error) { return tx.WorkerCursor("journey") })
		assert.EqualValues(t, 42, id)
	})
}

func TestImageStatusRaw(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		t.Parallel()
		db := open(t, fresh(t))
		s := store.ImageStatus{Name: "tiny", Status: store.ImageReady, SHA256: "aa", Format: "raw.zst", Size: 10,
			RawSize: 64 << 20, RawSHA256: "bb"}
		update(t, db, func(tx *store.Tx) error { return tx.PutImageStatus(&s) })
		got := get(t, db, func(tx *store.Tx) (store.ImageStatus, error) { return tx.GetImageStatus("tiny") })
		assert.EqualValues(t, 64<<20, got.RawSize)
		assert.Equal(t, "bb", got.RawSHA256)
	})
}
