package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

// countingWriter is a ResponseWriter that keeps nothing but the size.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(status int)      { w.status = status }
func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *countingWriter) Flush()                      {}

func addManyMachines(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	racks := []string{"r1", "r2", "r3", "r4"}
	require.NoError(tb, db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			tm := testMachine{name: fmt.Sprintf("m%05d", i), mac: mac(i + 1), cluster: "edge-1",
				labels: map[string]string{"rack": racks[i%len(racks)], "role": "worker"}}
			if err := storeMachine(tx, tm); err != nil {
				return err
			}
		}
		return nil
	}))
}

// BenchmarkListMachines10k is GET /api/v1/machines with 10,000 machines
// stored (SQLite), through the whole handler chain (auth from the token
// cache, metrics). Nothing changes between reads, so after the first they
// are answered from the list cache. It reports p99 too.
func BenchmarkListMachines10k(b *testing.B) {
	h := newHarness(b)
	addManyMachines(b, h.db, 10000)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/machines", nil)
	req.Header.Set("Authorization", "Bearer "+h.tokens[auth.Viewer])
	handler := h.srv.Handler()
	serve := func() *countingWriter {
		w := &countingWriter{header: http.Header{}}
		handler.ServeHTTP(w, req)
		return w
	}
	w := serve()
	require.Equal(b, http.StatusOK, w.status)
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		w = serve()
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	require.Equal(b, http.StatusOK, w.status)
	slices.Sort(durations)
	p99 := durations[min(len(durations)-1, len(durations)*99/100)]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(w.n), "bytes/response")
}

// BenchmarkListMachines10kChanged is BenchmarkListMachines10k with one
// machine changed (untimed) before every read: each read misses the cache
// and joins and encodes all 10,000 machines.
func BenchmarkListMachines10kChanged(b *testing.B) {
	h := newHarness(b)
	addManyMachines(b, h.db, 10000)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/machines", nil)
	req.Header.Set("Authorization", "Bearer "+h.tokens[auth.Viewer])
	handler := h.srv.Handler()
	change := func() {
		require.NoError(b, h.db.Update(context.Background(), func(tx *store.Tx) error {
			m, err := tx.GetMachine("m00000")
			if err != nil {
				return err
			}
			rev := m.Revision
			m.Phase = fmt.Sprintf("phase %d", rev)
			return tx.UpdateMachine(&m, rev)
		}))
	}
	warm := &countingWriter{header: http.Header{}}
	handler.ServeHTTP(warm, req) // the first read builds the list model
	var durations []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		change()
		b.StartTimer()
		start := time.Now()
		w := &countingWriter{header: http.Header{}}
		handler.ServeHTTP(w, req)
		durations = append(durations, time.Since(start))
		require.Equal(b, http.StatusOK, w.status)
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
}
