package ui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// hubPage is how many events the hub reads per query.
const hubPage = 500

// hubPoll is how often the hub reads the store without a notification
// (events written by another process sharing a PostgreSQL database).
const hubPoll = time.Second

// subscriberBuffer is how many batches a stream may fall behind before the
// hub skips it; a skipped stream notices the gap and reads the store.
const subscriberBuffer = 64

// batch is a contiguous run of events: every event with after < ID <= upto.
// Batches are shared by every stream and read-only; what streams render
// from them alike is computed once (memo).
type batch struct {
	after, upto int64
	events      []store.Event
	memo        memo
}

// memo caches renderings of a batch shared by the streams.
type memo struct {
	mu     sync.Mutex
	values map[string]any
}

// get returns the value for key, computing it once.
func (m *memo) get(key string, compute func() any) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.values[key]; ok {
		return v
	}
	if m.values == nil {
		m.values = map[string]any{}
	}
	v := compute()
	m.values[key] = v
	return v
}

// hub follows the store once for every open stream: after each store
// notification it reads the new events by ID cursor and hands the batch to
// every subscriber, never blocking on a slow one.
type hub struct {
	db  *store.DB
	log *slog.Logger

	mu   sync.Mutex
	subs map[chan *batch]struct{}
}

func newHub(db *store.DB, log *slog.Logger) *hub {
	return &hub{db: db, log: log, subs: map[chan *batch]struct{}{}}
}

// subscribe returns a channel of batches and the function that ends it.
func (h *hub) subscribe() (<-chan *batch, func()) {
	ch := make(chan *batch, subscriberBuffer)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// run follows the store until ctx ends.
func (h *hub) run(ctx context.Context) error {
	notify, unsubscribe := h.db.Subscribe()
	defer unsubscribe()
	var cursor int64
	err := h.db.View(ctx, func(tx *store.Tx) (err error) { cursor, err = lastEventID(tx); return err })
	if err != nil {
		return err
	}
	tick := time.NewTicker(hubPoll)
	defer tick.Stop()
	for {
		if cursor, err = h.readAfter(ctx, cursor); err != nil && ctx.Err() == nil {
			h.log.Warn("ui: follow events", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-notify:
		case <-tick.C:
		}
	}
}

// readAfter publishes every event after cursor and returns the new cursor.
func (h *hub) readAfter(ctx context.Context, cursor int64) (int64, error) {
	for {
		evs, err := readEvents(ctx, h.db, store.EventFilter{AfterID: cursor, Limit: hubPage})
		if err != nil || len(evs) == 0 {
			return cursor, err
		}
		b := &batch{after: cursor, upto: evs[len(evs)-1].ID, events: evs}
		h.publish(b)
		cursor = b.upto
		if len(evs) < hubPage {
			return cursor, nil
		}
	}
}

func (h *hub) publish(b *batch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- b:
		default: // behind: it will see the gap and read the store itself
		}
	}
}

func readEvents(ctx context.Context, db *store.DB, f store.EventFilter) ([]store.Event, error) {
	var evs []store.Event
	err := db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.ListEvents(f); return err })
	return evs, err
}
