package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func testCredentials(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	c := store.Credential{Name: "r1-bmc", Username: "admin", Sealed: []byte{0, 1, 2, 255}}
	update(t, db, func(tx *store.Tx) error {
		if err := tx.PutCredential(&c); err != nil {
			return err
		}
		other := store.Credential{Name: "a-bmc", Username: "root", Sealed: []byte("x")}
		return tx.PutCredential(&other)
	})
	got := get(t, db, func(tx *store.Tx) (store.Credential, error) { return tx.GetCredential("r1-bmc") })
	assert.Empty(t, cmp.Diff(c, got))

	// Put again replaces the secret and keeps the creation time.
	r := store.Credential{Name: "r1-bmc", Username: "ops", Sealed: []byte{9}}
	update(t, db, func(tx *store.Tx) error { return tx.PutCredential(&r) })
	assert.Equal(t, c.CreatedAt, r.CreatedAt)
	got = get(t, db, func(tx *store.Tx) (store.Credential, error) { return tx.GetCredential("r1-bmc") })
	assert.Empty(t, cmp.Diff(r, got))

	list := get(t, db, func(tx *store.Tx) ([]store.Credential, error) { return tx.ListCredentials() })
	require.Len(t, list, 2)
	assert.Equal(t, []string{"a-bmc", "r1-bmc"}, []string{list[0].Name, list[1].Name})

	update(t, db, func(tx *store.Tx) error { return tx.DeleteCredential("a-bmc") })
	err := db.Update(t.Context(), func(tx *store.Tx) error { return tx.DeleteCredential("a-bmc") })
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.EqualError(t, err, "credentials a-bmc: not found")
	_, err = getErr(db, t, func(tx *store.Tx) (store.Credential, error) { return tx.GetCredential("a-bmc") })
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testTokens(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	exp := time.Date(2030, 1, 1, 0, 0, 0, 5, time.UTC)
	first := store.Token{ID: "zzz", Name: "admin", Role: "admin", Hash: []byte("hash1"), CreatedBy: "system"}
	update(t, db, func(tx *store.Tx) error { return tx.CreateToken(&first) })
	second := store.Token{ID: "aaa", Name: "ci", Role: "operator", Hash: []byte("hash2"), ExpiresAt: &exp}
	update(t, db, func(tx *store.Tx) error { return tx.CreateToken(&second) })

	got := get(t, db, func(tx *store.Tx) (store.Token, error) { return tx.GetToken("aaa") })
	assert.Empty(t, cmp.Diff(second, got))
	list := get(t, db, func(tx *store.Tx) ([]store.Token, error) { return tx.ListTokens() })
	assert.Empty(t, cmp.Diff([]store.Token{first, second}, list), "ordered by creation")

	err := db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.CreateToken(&store.Token{ID: "aaa", Name: "again", Role: "viewer", Hash: []byte("h")})
	})
	require.ErrorIs(t, err, store.ErrConflict)
	assert.EqualError(t, err, "token aaa: already exists: conflict")

	update(t, db, func(tx *store.Tx) error { return tx.DeleteToken("zzz") })
	err = db.Update(t.Context(), func(tx *store.Tx) error { return tx.DeleteToken("zzz") })
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = getErr(db, t, func(tx *store.Tx) (store.Token, error) { return tx.GetToken("zzz") })
	assert.EqualError(t, err, "token zzz: not found")
}

func testOperations(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	var ops []store.Operation
	update(t, db, func(tx *store.Tx) error {
		for i := range 6 {
			op := store.Operation{Machine: fmt.Sprintf("m%d", i%2), Action: "power-on", Actor: "token:ci",
				Params: json.RawMessage(`{"device":"pxe"}`)}
			if i == 0 {
				op.ID = "op-first"
			}
			if err := tx.CreateOperation(&op); err != nil {
				return err
			}
			ops = append(ops, op)
		}
		return nil
	})
	assert.Equal(t, "op-first", ops[0].ID)
	assert.NotEmpty(t, ops[1].ID)
	assert.NotEqual(t, ops[1].ID, ops[2].ID)
	assert.Equal(t, store.OpPending, ops[1].Status)

	got := get(t, db, func(tx *store.Tx) (store.Operation, error) { return tx.GetOperation(ops[3].ID) })
	assert.Empty(t, cmp.Diff(ops[3], got))

	done := ops[3]
	done.Status, done.Message = store.OpFailed, "no BMC driver configured"
	update(t, db, func(tx *store.Tx) error { return tx.UpdateOperation(&done) })
	got = get(t, db, func(tx *store.Tx) (store.Operation, error) { return tx.GetOperation(ops[3].ID) })
	assert.Empty(t, cmp.Diff(done, got))

	list := func(machine string, limit int) []store.Operation {
		return get(t, db, func(tx *store.Tx) ([]store.Operation, error) { return tx.ListOperations(machine, limit) })
	}
	ops[3] = done
	assert.Empty(t, cmp.Diff(ops, list("", 0)))
	assert.Empty(t, cmp.Diff([]store.Operation{ops[1], ops[3], ops[5]}, list("m1", 0)))
	assert.Empty(t, cmp.Diff([]store.Operation{ops[3], ops[5]}, list("m1", 2)), "the newest, newest last")
	assert.Empty(t, list("m9", 5))

	err := db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.CreateOperation(&store.Operation{ID: "op-first", Machine: "m0", Action: "inspect"})
	})
	assert.EqualError(t, err, "operation op-first: already exists: conflict")
	err = db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.UpdateOperation(&store.Operation{ID: "op-nope", Status: store.OpRunning})
	})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = getErr(db, t, func(tx *store.Tx) (store.Operation, error) { return tx.GetOperation("op-nope") })
	assert.EqualError(t, err, "operation op-nope: not found")
}
