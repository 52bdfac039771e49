package store_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func TestBootTokens(t *testing.T) {
	forEachDriver(t, func(t *testing.T, fresh opener) {
		t.Run("Claim", func(t *testing.T) {
			t.Parallel()
			testBootTokenClaim(t, fresh)
		})
		t.Run("Expiry", func(t *testing.T) {
			t.Parallel()
			testBootTokenExpiry(t, fresh)
		})
	})
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func testBootTokenClaim(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	tok := store.BootToken{Hash: hashOf("a"), Machine: "r1-u07", ExpiresAt: time.Now().Add(time.Hour)}
	update(t, db, func(tx *store.Tx) error { return tx.CreateBootToken(&tok) })
	assert.False(t, tok.CreatedAt.IsZero())

	dup := tok
	err := db.Update(t.Context(), func(tx *store.Tx) error { return tx.CreateBootToken(&dup) })
	require.ErrorIs(t, err, store.ErrConflict)

	var claimed store.BootToken
	update(t, db, func(tx *store.Tx) (err error) {
		claimed, err = tx.ClaimBootToken(hashOf("a"))
		return err
	})
	assert.Equal(t, "r1-u07", claimed.Machine)
	require.NotNil(t, claimed.UsedAt)

	err = db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ClaimBootToken(hashOf("a"))
		return err
	})
	require.ErrorIs(t, err, store.ErrConflict, "a second claim is refused")
	assert.ErrorContains(t, err, "already claimed")

	err = db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ClaimBootToken(hashOf("never issued"))
		return err
	})
	require.ErrorIs(t, err, store.ErrNotFound)

	err = db.View(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ClaimBootToken(hashOf("a"))
		return err
	})
	require.Error(t, err, "a view cannot claim")
}

func testBootTokenExpiry(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	past := store.BootToken{Hash: hashOf("old"), Machine: "m", ExpiresAt: time.Now().Add(-time.Minute)}
	live := store.BootToken{Hash: hashOf("new"), Machine: "m", ExpiresAt: time.Now().Add(time.Hour)}
	update(t, db, func(tx *store.Tx) error {
		require.NoError(t, tx.CreateBootToken(&past))
		return tx.CreateBootToken(&live)
	})
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ClaimBootToken(hashOf("old"))
		return err
	})
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.ErrorContains(t, err, "expired")

	toks := get(t, db, func(tx *store.Tx) ([]store.BootToken, error) { return tx.ListBootTokens("m") })
	require.Len(t, toks, 2)

	var n int64
	update(t, db, func(tx *store.Tx) (err error) {
		n, err = tx.DeleteExpiredBootTokens(time.Now())
		return err
	})
	assert.EqualValues(t, 1, n)
	toks = get(t, db, func(tx *store.Tx) ([]store.BootToken, error) { return tx.ListBootTokens("m") })
	require.Len(t, toks, 1)
	assert.Equal(t, hashOf("new"), toks[0].Hash)

	for _, bad := range []store.BootToken{
		{Machine: "m", ExpiresAt: time.Now()},
		{Hash: hashOf("x"), ExpiresAt: time.Now()},
		{Hash: hashOf("x"), Machine: "m"},
	} {
		err := db.Update(t.Context(), func(tx *store.Tx) error { return tx.CreateBootToken(&bad) })
		require.Error(t, err)
	}
}
