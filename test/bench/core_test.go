// Package bench holds Slipway's performance benchmarks. Each runs the real
// binary (SLIPWAY_BIN, set by `make bench`) and prints its figures side by
// side with the target or the peer measured in the same run.
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/test/harness"
)

// BenchmarkAPIListMachines10k: GET /api/v1/machines with 10,000 machines
// stored, 300 sequential requests over TLS. Target: p99 < 50 ms.
func BenchmarkAPIListMachines10k(b *testing.B) {
	a := harness.Start(b, harness.Binary(b, ""))
	const n = 10000
	start := time.Now()
	_, err := a.Client().Apply(context.Background(), api.ApplyRequest{
		Files: []inventory.File{{Name: "site.yaml", Content: harness.SiteYAML(n, "x")}},
	})
	require.NoError(b, err)
	applied := time.Since(start)

	client := a.HTTPClient()
	get := func() (time.Duration, int64) {
		req, err := http.NewRequest(http.MethodGet, a.URL()+"/api/v1/machines", nil)
		require.NoError(b, err)
		req.Header.Set("Authorization", "Bearer "+a.Token())
		t0 := time.Now()
		resp, err := client.Do(req)
		require.NoError(b, err)
		size, err := io.Copy(io.Discard, resp.Body)
		require.NoError(b, err)
		require.NoError(b, resp.Body.Close())
		require.Equal(b, http.StatusOK, resp.StatusCode)
		return time.Since(t0), size
	}
	for range 10 { // warm connections and caches
		get()
	}
	var lat []time.Duration
	var size int64
	b.ResetTimer()
	for range 300 {
		d, s := get()
		lat = append(lat, d)
		size = s
	}
	b.StopTimer()
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	fmt.Printf("\n%-44s %12s %12s %12s %12s\n", "GET /api/v1/machines (10,000 machines)", "p50", "p90", "p99", "target p99")
	fmt.Printf("%-44s %12s %12s %12s %12s\n", fmt.Sprintf("slipway (%.1f MB/response)", float64(size)/1e6),
		ms(p(0.50)), ms(p(0.90)), ms(p(0.99)), "< 50 ms")
	fmt.Printf("(apply of %d machines through the API: %s)\n", n, applied.Round(time.Millisecond))
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
}

// BenchmarkApply1000: `slipway apply` (a CLI process) of a 1,000-machine
// inventory against a fresh appliance, a second no-change apply, then the
// idle appliance's RSS. Targets: apply < 5 s, idle RSS < 60 MB.
func BenchmarkApply1000(b *testing.B) {
	a := harness.Start(b, harness.Binary(b, ""))
	c := a.Login()
	site := harness.WriteSite(b, 1000, "x")
	b.ResetTimer()
	t0 := time.Now()
	c.OK("apply", "-f", site)
	first := time.Since(t0)
	t0 = time.Now()
	out := c.OK("apply", "-f", site)
	second := time.Since(t0)
	b.StopTimer()
	require.Contains(b, out, "No changes.")

	time.Sleep(5 * time.Second) // idle: let the runtime settle before reading RSS
	rss := a.RSS()
	fmt.Printf("\n%-44s %12s %12s\n", "slipway apply, 1,000 machines", "measured", "target")
	fmt.Printf("%-44s %12s %12s\n", "first apply (CLI process, plan + apply)", ms(first), "< 5000 ms")
	fmt.Printf("%-44s %12s %12s\n", "second apply (No changes.)", ms(second), "")
	fmt.Printf("%-44s %9.1f MB %12s\n", "idle RSS with 1,000 machines", float64(rss)/1e6, "< 60 MB")
	b.ReportMetric(first.Seconds(), "apply-s")
	b.ReportMetric(float64(rss)/1e6, "idle-rss-MB")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
