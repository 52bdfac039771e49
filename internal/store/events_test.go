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

func testEvents(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	given := time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.FixedZone("CET", 3600))
	var appended []store.Event
	update(t, db, func(tx *store.Tx) error {
		for _, e := range []store.Event{
			{Machine: "r1-u07", Type: "state", Reason: "inventory", Message: "registered", Cause: "register",
				Actor: "token:ci", To: "registered"},
			{Type: "inventory.apply", Actor: "system", Data: json.RawMessage(`{"created": ["r1-u07"]}`)},
			{Machine: "r1-u07", Type: "power.on", Time: given, From: "off", To: "on"},
		} {
			if err := tx.AppendEvent(&e); err != nil {
				return err
			}
			appended = append(appended, e)
		}
		assert.Equal(t, tx.Now(), appended[0].Time, "a zero Time is the transaction time")
		return nil
	})
	assert.Less(t, appended[0].ID, appended[1].ID)
	assert.Less(t, appended[1].ID, appended[2].ID)
	assert.True(t, appended[2].Time.Equal(given))
	assert.Equal(t, time.UTC, appended[2].Time.Location())

	got := get(t, db, func(tx *store.Tx) ([]store.Event, error) { return tx.ListEvents(store.EventFilter{}) })
	assert.Empty(t, cmp.Diff(appended, got))

	err := db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.AppendEvent(&store.Event{Type: "x", Data: json.RawMessage(`nope`)})
	})
	assert.EqualError(t, err, "append event x: data: invalid JSON")
	err = db.Update(t.Context(), func(tx *store.Tx) error { return tx.AppendEvent(&store.Event{Machine: "m"}) })
	assert.EqualError(t, err, `append event (machine "m"): type is required`)
}

func testListEvents(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	types := []string{"state", "power.on", "power.off", "powerful", "a_b.x", "axb.y"}
	var ids []int64
	update(t, db, func(tx *store.Tx) error {
		for i := range 600 {
			e := store.Event{Machine: fmt.Sprintf("m%d", i%3), Type: types[i%len(types)]}
			if err := tx.AppendEvent(&e); err != nil {
				return err
			}
			ids = append(ids, e.ID)
		}
		return nil
	})
	list := func(f store.EventFilter) []store.Event {
		return get(t, db, func(tx *store.Tx) ([]store.Event, error) { return tx.ListEvents(f) })
	}
	idsOf := func(evs []store.Event) (out []int64) {
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}

	def := list(store.EventFilter{})
	assert.Equal(t, ids[:500], idsOf(def), "default limit is 500, oldest first")
	assert.Equal(t, ids[500:], idsOf(list(store.EventFilter{AfterID: ids[499]})))
	assert.Equal(t, ids[590:600], idsOf(list(store.EventFilter{BeforeID: ids[599] + 1, Limit: 10})),
		"BeforeID gives the newest below it, ascending")
	assert.Equal(t, ids[95:100], idsOf(list(store.EventFilter{BeforeID: ids[100], Limit: 5})))
	assert.Equal(t, ids[11:14], idsOf(list(store.EventFilter{AfterID: ids[10], BeforeID: ids[14]})))

	tests := []struct {
		name string
		f    store.EventFilter
		want func(i int) bool // which of the 600 events match
	}{
		{"machine", store.EventFilter{Machine: "m1", Limit: 1000}, func(i int) bool { return i%3 == 1 }},
		{"exact type", store.EventFilter{Type: "power.on", Limit: 1000}, func(i int) bool { return i%6 == 1 }},
		{"prefix type", store.EventFilter{Type: "power.", Limit: 1000},
			func(i int) bool { return i%6 == 1 || i%6 == 2 }},
		{"prefix is literal (no LIKE wildcards)", store.EventFilter{Type: "a_b.", Limit: 1000},
			func(i int) bool { return i%6 == 4 }},
		{"machine and prefix", store.EventFilter{Machine: "m2", Type: "power.", Limit: 1000},
			func(i int) bool { return i%3 == 2 && (i%6 == 1 || i%6 == 2) }},
		{"no such type", store.EventFilter{Type: "power"}, func(int) bool { return false }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []int64
			for i, id := range ids {
				if tc.want(i) {
					want = append(want, id)
				}
			}
			assert.Equal(t, want, idsOf(list(tc.f)))
		})
	}
}

func testAudit(t *testing.T, fresh opener) {
	db := open(t, fresh(t))
	var rows []store.Audit
	update(t, db, func(tx *store.Tx) error {
		for i := range 5 {
			a := store.Audit{Actor: fmt.Sprintf("token:%c", 'a'+i%2), Action: "POST /api/v1/inventory/apply",
				Target: "site", Result: "ok", Status: 200, Detail: fmt.Sprint(i)}
			if err := tx.AppendAudit(&a); err != nil {
				return err
			}
			assert.Equal(t, tx.Now(), a.Time)
			rows = append(rows, a)
		}
		return nil
	})
	list := func(f store.AuditFilter) []store.Audit {
		return get(t, db, func(tx *store.Tx) ([]store.Audit, error) { return tx.ListAudit(f) })
	}
	assert.Empty(t, cmp.Diff(rows, list(store.AuditFilter{})))
	assert.Empty(t, cmp.Diff([]store.Audit{rows[1], rows[3]}, list(store.AuditFilter{Actor: "token:b"})))
	assert.Empty(t, cmp.Diff(rows[2:4], list(store.AuditFilter{AfterID: rows[1].ID, Limit: 2})))
	assert.Empty(t, list(store.AuditFilter{Actor: "anonymous"}))
}

func testTimeRoundTrip(t *testing.T, fresh opener) {
	cfg := fresh(t)
	db := open(t, cfg)
	times := []time.Time{
		time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC),
		time.Date(2025, 6, 30, 23, 59, 59, 1, time.FixedZone("X", -7*3600-30*60)),
		time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2200, 1, 1, 0, 0, 0, 999999999, time.UTC),
		time.Now(), // with a monotonic reading
	}
	ids := make([]int64, len(times))
	update(t, db, func(tx *store.Tx) error {
		for i, tm := range times {
			e := store.Event{Type: "t", Time: tm}
			if err := tx.AppendEvent(&e); err != nil {
				return err
			}
			ids[i] = e.ID
			exp := tm
			tok := store.Token{ID: fmt.Sprint(i), Name: "n", Role: "viewer", Hash: []byte{1}, CreatedAt: tm, ExpiresAt: &exp}
			if err := tx.CreateToken(&tok); err != nil {
				return err
			}
		}
		return nil
	})
	evs := get(t, db, func(tx *store.Tx) ([]store.Event, error) { return tx.ListEvents(store.EventFilter{}) })
	require.Len(t, evs, len(times))
	for i, tm := range times {
		assert.True(t, evs[i].Time.Equal(tm), "event %d: %v != %v", i, evs[i].Time, tm)
		assert.Equal(t, time.UTC, evs[i].Time.Location())
		tok := get(t, db, func(tx *store.Tx) (store.Token, error) { return tx.GetToken(fmt.Sprint(i)) })
		assert.True(t, tok.CreatedAt.Equal(tm))
		require.NotNil(t, tok.ExpiresAt)
		assert.True(t, tok.ExpiresAt.Equal(tm))
	}
	// The zero time stays zero.
	m := newMachine("z", "", "discovered")
	update(t, db, func(tx *store.Tx) error {
		if err := tx.CreateMachine(&m); err != nil {
			return err
		}
		m.StateChangedAt = time.Time{}
		return tx.UpdateMachine(&m, 1)
	})
	got := get(t, db, func(tx *store.Tx) (store.Machine, error) { return tx.GetMachine("z") })
	assert.True(t, got.StateChangedAt.IsZero())
}
