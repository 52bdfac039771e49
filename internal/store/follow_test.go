package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

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
