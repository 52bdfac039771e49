package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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

// testConcurrentWritersOrder appends events from several goroutines, through
// two handles on the same database (as two appliance processes would), while
// a follower reads by ID cursor after each notification: it must see every
// event exactly once, in increasing ID order.
func testConcurrentWritersOrder(t *testing.T, fresh opener) {
	cfg := fresh(t)
	db, other := open(t, cfg), open(t, cfg)
	handles := []*store.DB{db, other}
	const writers, txs, perTx = 4, 40, 3
	sub, cancel := db.Subscribe()
	defer cancel()

	done := make(chan struct{})
	seen := map[int64]int{}
	var followerWG sync.WaitGroup
	followerWG.Go(func() {
		var cursor int64
		readAll := func() {
			for {
				var evs []store.Event
				err := db.View(context.Background(), func(tx *store.Tx) (err error) {
					evs, err = tx.ListEvents(store.EventFilter{AfterID: cursor, Limit: 7})
					return err
				})
				if !assert.NoError(t, err) || len(evs) == 0 {
					return
				}
				for _, e := range evs {
					assert.Greater(t, e.ID, cursor)
					seen[e.ID]++
					cursor = e.ID
				}
			}
		}
		for {
			select {
			case <-sub:
				readAll()
			case <-done:
				readAll()
				return
			}
		}
	})

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range txs {
				err := handles[(w+i)%2].Update(context.Background(), func(tx *store.Tx) error {
					for j := range perTx {
						e := store.Event{Machine: fmt.Sprintf("w%d", w), Type: "test", Message: fmt.Sprint(i, j)}
						if err := tx.AppendEvent(&e); err != nil {
							return err
						}
					}
					return nil
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	close(done)
	followerWG.Wait()

	all := get(t, db, func(tx *store.Tx) ([]store.Event, error) { return tx.ListEvents(store.EventFilter{Limit: 10000}) })
	require.Len(t, all, writers*txs*perTx)
	var missed, repeated []int64
	for _, e := range all {
		switch seen[e.ID] {
		case 0:
			missed = append(missed, e.ID)
		case 1:
		default:
			repeated = append(repeated, e.ID)
		}
	}
	assert.Empty(t, missed, "events the follower missed")
	assert.Empty(t, repeated, "events the follower saw twice")
	assert.Len(t, seen, len(all))
}

func testSubscribe(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	sub, cancel := db.Subscribe()
	other, cancelOther := db.Subscribe()
	defer cancelOther()
	appendOne := func() {
		update(t, db, func(tx *store.Tx) error { return tx.AppendEvent(&store.Event{Type: "x"}) })
	}

	update(t, db, func(tx *store.Tx) error { return tx.CreateObject(&store.Object{Kind: "Fleet", Name: "f"}) })
	assert.Empty(t, sub, "no notification without events")

	appendOne()
	require.Len(t, sub, 1)
	<-sub
	assert.Empty(t, sub)

	appendOne()
	appendOne() // coalesced with the one not consumed yet; the writer never blocks
	assert.Len(t, sub, 1)
	<-sub
	assert.Len(t, other, 1)

	cancel()
	cancel() // idempotent
	appendOne()
	assert.Empty(t, sub, "no notification after the subscription ended")
}

func testViewCannotWrite(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	writes := map[string]func(tx *store.Tx) error{
		"CreateObject":    func(tx *store.Tx) error { return tx.CreateObject(&store.Object{Kind: "Fleet", Name: "f"}) },
		"UpdateObject":    func(tx *store.Tx) error { return tx.UpdateObject(&store.Object{Kind: "Fleet", Name: "f"}, 1) },
		"DeleteObject":    func(tx *store.Tx) error { return tx.DeleteObject("Fleet", "f", 0) },
		"CreateMachine":   func(tx *store.Tx) error { m := newMachine("m", "", "ready"); return tx.CreateMachine(&m) },
		"UpdateMachine":   func(tx *store.Tx) error { m := newMachine("m", "", "ready"); return tx.UpdateMachine(&m, 1) },
		"DeleteMachine":   func(tx *store.Tx) error { return tx.DeleteMachine("m") },
		"AppendEvent":     func(tx *store.Tx) error { return tx.AppendEvent(&store.Event{Type: "x"}) },
		"PutCredential":   func(tx *store.Tx) error { return tx.PutCredential(&store.Credential{Name: "c"}) },
		"DeleteCred":      func(tx *store.Tx) error { return tx.DeleteCredential("c") },
		"CreateToken":     func(tx *store.Tx) error { return tx.CreateToken(&store.Token{ID: "t"}) },
		"DeleteToken":     func(tx *store.Tx) error { return tx.DeleteToken("t") },
		"AppendAudit":     func(tx *store.Tx) error { return tx.AppendAudit(&store.Audit{Actor: "a"}) },
		"CreateOperation": func(tx *store.Tx) error { return tx.CreateOperation(&store.Operation{ID: "o"}) },
		"UpdateOperation": func(tx *store.Tx) error { return tx.UpdateOperation(&store.Operation{ID: "o"}) },
	}
	for name, fn := range writes {
		t.Run(name, func(t *testing.T) {
			err := db.View(t.Context(), fn)
			assert.EqualError(t, err, "store: write in a read-only transaction")
		})
	}
	assert.Equal(t, noRows, rowCounts(t, db))
}

// testViewSnapshot checks a View sees one snapshot even while writes commit.
func testViewSnapshot(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	add := func(name string) {
		update(t, db, func(tx *store.Tx) error { m := newMachine(name, "", "ready"); return tx.CreateMachine(&m) })
	}
	add("a")
	view(t, db, func(tx *store.Tx) error {
		before, err := tx.ListMachines(store.MachineFilter{})
		require.NoError(t, err)
		add("b")
		after, err := tx.ListMachines(store.MachineFilter{})
		require.NoError(t, err)
		assert.Len(t, before, 1)
		assert.Len(t, after, 1, "a View keeps its snapshot")
		return nil
	})
	// A new View sees the committed write at once.
	ms := get(t, db, func(tx *store.Tx) ([]store.Machine, error) { return tx.ListMachines(store.MachineFilter{}) })
	assert.Len(t, ms, 2)
}

// testReopen closes and reopens the database: the rows are kept and the
// migrations are not applied again.
func testReopen(t *testing.T, fresh opener) {
	cfg := fresh(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	db, err := store.Open(t.Context(), cfg, log)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(logs.String(), "store migration applied"), logs.String())
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
