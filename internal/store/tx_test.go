package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// writeAll writes one row of every kind; tag makes names unique.
func writeAll(tx *store.Tx, tag string) error {
	steps := []func() error{
		func() error {
			return tx.CreateObject(&store.Object{Kind: "Network", Name: tag, Spec: json.RawMessage(`{}`)})
		},
		func() error { m := newMachine(tag, "", "registered"); return tx.CreateMachine(&m) },
		func() error { return tx.AppendEvent(&store.Event{Machine: tag, Type: "state"}) },
		func() error { return tx.PutCredential(&store.Credential{Name: tag, Sealed: []byte{1}}) },
		func() error { return tx.CreateToken(&store.Token{ID: tag, Name: tag, Role: "viewer", Hash: []byte{1}}) },
		func() error {
			return tx.AppendAudit(&store.Audit{Actor: tag, Action: "POST /x", Result: "ok", Status: 200})
		},
		func() error { return tx.CreateOperation(&store.Operation{ID: tag, Machine: tag, Action: "inspect"}) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// rowCounts counts the rows of every kind.
func rowCounts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	c := map[string]int{}
	view(t, db, func(tx *store.Tx) error {
		objs, err := tx.ListObjects("")
		c["objects"] = len(objs)
		ms, err2 := tx.ListMachines(store.MachineFilter{})
		c["machines"] = len(ms)
		evs, err3 := tx.ListEvents(store.EventFilter{Limit: 10000})
		c["events"] = len(evs)
		creds, err4 := tx.ListCredentials()
		c["credentials"] = len(creds)
		toks, err5 := tx.ListTokens()
		c["tokens"] = len(toks)
		audit, err6 := tx.ListAudit(store.AuditFilter{Limit: 10000})
		c["audit"] = len(audit)
		ops, err7 := tx.ListOperations("", 0)
		c["operations"] = len(ops)
		return errors.Join(err, err2, err3, err4, err5, err6, err7)
	})
	return c
}

var noRows = map[string]int{"objects": 0, "machines": 0, "events": 0, "credentials": 0, "tokens": 0, "audit": 0, "operations": 0}

func testRollback(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	sub, cancel := db.Subscribe()
	defer cancel()
	boom := errors.New("boom")

	err := db.Update(t.Context(), func(tx *store.Tx) error {
		require.NoError(t, writeAll(tx, "a"))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, noRows, rowCounts(t, db))
	assert.Empty(t, sub, "no notification for a rolled back transaction")

	assert.PanicsWithValue(t, "oops", func() {
		_ = db.Update(t.Context(), func(tx *store.Tx) error {
			require.NoError(t, writeAll(tx, "b"))
			panic("oops")
		})
	})
	assert.Equal(t, noRows, rowCounts(t, db))

	ctx, stop := context.WithCancel(t.Context())
	stop()
	err = db.Update(ctx, func(tx *store.Tx) error { return writeAll(tx, "c") })
	require.ErrorIs(t, err, context.Canceled)

	// The write lock was released each time.
	update(t, db, func(tx *store.Tx) error { return writeAll(tx, "d") })
	one := map[string]int{"objects": 1, "machines": 1, "events": 1, "credentials": 1, "tokens": 1, "audit": 1, "operations": 1}
	assert.Equal(t, one, rowCounts(t, db))
}

// testRollback1000 fails a transaction after 1,000 rows of each kind on the
// store's own error (a taken MAC): nothing of it stays.
func testRollback1000(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	sub, cancel := db.Subscribe()
	defer cancel()
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		for i := range 1000 {
			o := store.Object{Kind: "Machine", Name: fmt.Sprintf("m%04d", i), Spec: json.RawMessage(`{}`)}
			m := newMachine(o.Name, fmt.Sprintf("52:54:00:00:%02x:%02x", i/256, i%256), "registered")
			for _, err := range []error{
				tx.CreateObject(&o), tx.CreateMachine(&m),
				tx.AppendEvent(&store.Event{Machine: m.Name, Type: "state", To: "registered"}),
			} {
				if err != nil {
					return err
				}
			}
		}
		m := newMachine("dup", "52:54:00:00:03:E7", "registered") // m0999's MAC
		return tx.CreateMachine(&m)
	})
	require.ErrorIs(t, err, store.ErrConflict)
	assert.EqualError(t, err, "machine mac 52:54:00:00:03:e7: used by machine m0999: conflict")
	assert.Equal(t, noRows, rowCounts(t, db))
	assert.Empty(t, sub)
}

// testReopen closes and reopens the database: the rows are kept and the
// migrations are not applied again.
func testReopen(t *testing.T, fresh opener) {
	cfg := fresh(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	db, err := store.Open(t.Context(), cfg, log)
	require.NoError(t, err)
	dialect := map[string]string{store.DriverSQLite: "sqlite", store.DriverPostgres: "postgres"}[cfg.Driver]
	files, err := os.ReadDir(filepath.Join("migrations", dialect))
	require.NoError(t, err)
	assert.Equal(t, len(files), strings.Count(logs.String(), "store migration applied"), logs.String())
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error { return writeAll(tx, "kept") }))
	require.NoError(t, db.Close())

	logs.Reset()
	db, err = store.Open(t.Context(), cfg, log)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	assert.NotContains(t, logs.String(), "store migration applied")
	assert.Equal(t, cfg.Driver, db.Driver())
	require.NoError(t, db.Ping(t.Context()))
	one := map[string]int{"objects": 1, "machines": 1, "events": 1, "credentials": 1, "tokens": 1, "audit": 1, "operations": 1}
	assert.Equal(t, one, rowCounts(t, db))
}
