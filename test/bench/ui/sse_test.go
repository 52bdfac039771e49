package ui

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// Load of the stream benchmark.
const (
	clients   = 100
	perSecond = 1000
	seconds   = 5
	perCommit = 10 // events per transaction: 100 commits/s
)

// BenchmarkStream100 connects 100 browsers to the events page's stream,
// writes 1,000 events/s for 5 s, and checks every browser received every
// event once; it prints delivery latency and the heap.
func BenchmarkStream100(b *testing.B) {
	s := newSite(b, 10)
	ts := httptest.NewServer(s.handler)
	b.Cleanup(ts.Close)
	var start int64
	require.NoError(b, s.db.View(b.Context(), func(tx *store.Tx) error {
		evs, err := tx.ListEvents(store.EventFilter{BeforeID: 1 << 62, Limit: 1})
		if len(evs) > 0 {
			start = evs[0].ID
		}
		return err
	}))
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	got := make([]map[int64]bool, clients)
	var wg sync.WaitGroup
	ready := make(chan struct{}, clients)
	for i := range clients {
		got[i] = map[int64]bool{}
		wg.Add(1)
		go func() { defer wg.Done(); follow(ctx, ts.URL, s.cookie, start, got[i], ready) }()
	}
	for range clients {
		<-ready
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeap(ctx)
	total := perSecond * seconds
	t0 := time.Now()
	produce(b, s.db, total)
	took := time.Since(t0)
	last := start + int64(total)
	require.Eventually(b, func() bool {
		for i := range clients {
			mu.Lock()
			n := len(got[i])
			mu.Unlock()
			if n < total {
				return false
			}
		}
		return true
	}, 60*time.Second, 50*time.Millisecond, "every browser receives every event")
	drained := time.Since(t0)
	cancel()
	wg.Wait()
	for i := range clients {
		for id := start + 1; id <= last; id++ {
			require.True(b, got[i][id], "browser %d missed event %d", i, id)
		}
	}
	b.Logf("%d browsers, %d events at %.0f events/s (written in %s): all %d deliveries, none lost; last delivered %s after the first write",
		clients, total, float64(total)/took.Seconds(), took.Round(time.Millisecond), clients*total, drained.Round(time.Millisecond))
	b.Logf("heap (appliance and the 100 test readers with their ID sets, one process): %.1f MB before, peak %.1f MB while streaming (sampled every 20 ms); goroutines after %d",
		float64(before.HeapAlloc)/1e6, float64(<-peak)/1e6, runtime.NumGoroutine())
}

var mu sync.Mutex

// follow reads the stream like a browser's EventSource and records the
// event IDs of the rows it receives.
func follow(ctx context.Context, base, cookie string, after int64, seen map[int64]bool, ready chan<- struct{}) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ui/stream?view=events&after="+strconv.FormatInt(after, 10), nil)
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ready <- struct{}{}
		return
	}
	defer res.Body.Close()
	ready <- struct{}{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var id int64
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(line[4:], 10, 64)
		case line == "event: ev":
			mu.Lock()
			seen[id] = true
			mu.Unlock()
		}
	}
}

// produce appends total events at perSecond, perCommit per transaction.
func produce(b *testing.B, db *store.DB, total int) {
	tick := time.NewTicker(time.Second * perCommit / perSecond)
	defer tick.Stop()
	for n := 0; n < total; n += perCommit {
		<-tick.C
		require.NoError(b, db.Update(b.Context(), func(tx *store.Tx) error {
			for i := range perCommit {
				err := tx.AppendEvent(&store.Event{Machine: "r01-u01", Type: "bench.tick", Actor: "bench",
					Message: "event " + strconv.Itoa(n+i)})
				if err != nil {
					return err
				}
			}
			return nil
		}))
	}
}

// sampleHeap reports the largest heap seen until ctx ends.
func sampleHeap(ctx context.Context) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-ctx.Done():
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}
