package machine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// watchdogDB opens a fresh SQLite store with machines in the given states
// (each reached through the table from registered).
func watchdogDB(t *testing.T, states map[string][]Trigger) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "w.db")},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	i := 0
	for name, triggers := range states {
		i++
		err := db.Update(t.Context(), func(tx *store.Tx) error {
			m := &store.Machine{Name: name, MAC: fmt.Sprintf("52:54:00:00:00:%02x", i)}
			if err := Create(tx, m, Registered, Cause{Reason: "test", Actor: "system"}); err != nil {
				return err
			}
			for _, tr := range triggers {
				if err := Apply(tx, m, tr, Cause{Reason: "test", Actor: "system", Message: "test"}); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	return db
}

func TestWatchdogFailsTimedOutMachines(t *testing.T) {
	db := watchdogDB(t, map[string][]Trigger{
		"inspecting": {Inspect},
		"registered": nil,
	})
	now := time.Now()
	w := &Watchdog{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}

	failed, err := w.Check(t.Context())
	require.NoError(t, err)
	assert.Empty(t, failed, "nothing has timed out yet")

	now = now.Add(Inspecting.Timeout() + time.Second)
	failed, err = w.Check(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"inspecting"}, failed)

	err = db.View(t.Context(), func(tx *store.Tx) error {
		m, err := tx.GetMachine("inspecting")
		require.NoError(t, err)
		assert.Equal(t, string(Failed), m.State)
		assert.Equal(t, string(Inspecting), m.FailedStage)
		assert.Equal(t, "timeout: no progress in inspecting for 30m0s", m.StateReason)
		evs, err := tx.ListEvents(store.EventFilter{Machine: "inspecting"})
		require.NoError(t, err)
		last := evs[len(evs)-1]
		assert.Equal(t, "timeout", last.Reason)
		assert.Equal(t, "system", last.Actor)
		assert.Equal(t, string(Fail), last.Cause)
		r, err := tx.GetMachine("registered")
		require.NoError(t, err)
		assert.Equal(t, string(Registered), r.State, "stable states never time out")
		return nil
	})
	require.NoError(t, err)

	failed, err = w.Check(t.Context())
	require.NoError(t, err)
	assert.Empty(t, failed, "a failed machine is not failed again")
}

func TestWatchdogRunStopsWithContext(t *testing.T) {
	db := watchdogDB(t, map[string][]Trigger{"inspecting": {Inspect}})
	ticks := make(chan struct{}, 8)
	w := &Watchdog{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Interval: time.Millisecond,
		Now: func() time.Time {
			select {
			case ticks <- struct{}{}:
			default:
			}
			return time.Now()
		}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	<-ticks // it checked at least once
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
