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
	"strings"
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
		Files: splitFiles(harness.SiteYAML(n, "x"), 2500),
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
	// Steady state: nothing changes between reads (answered from the
	// generation-keyed cache after the first).
	var steady []time.Duration
	var size int64
	b.ResetTimer()
	for range 300 {
		d, s := get()
		steady = append(steady, d)
		size = s
	}
	// After a change: a machine's state changes before every read, so each
	// read joins and encodes all 10,000 machines again.
	var changed []time.Duration
	for i := range 100 {
		action := map[bool]string{true: "maintenance-on", false: "maintenance-off"}[i%2 == 0]
		_, err := a.Client().Action(context.Background(), "m00000", api.ActionRequest{Action: action})
		require.NoError(b, err)
		d, _ := get()
		changed = append(changed, d)
	}
	b.StopTimer()
	fmt.Printf("\n%-46s %10s %10s %10s %12s\n", fmt.Sprintf("GET /api/v1/machines, %d machines (%.1f MB)", n, float64(size)/1e6),
		"p50", "p90", "p99", "target p99")
	for _, row := range []struct {
		name, unit string
		lat        []time.Duration
	}{
		{"slipway, steady (300 reads)", "steady-p99-ms", steady},
		{"slipway, a machine changed before each read (100)", "changed-p99-ms", changed},
	} {
		slices.Sort(row.lat)
		p := func(q float64) time.Duration { return row.lat[int(q*float64(len(row.lat)-1))] }
		fmt.Printf("%-46s %10s %10s %10s %12s\n", row.name, ms(p(0.50)), ms(p(0.90)), ms(p(0.99)), "< 50 ms")
		b.ReportMetric(float64(p(0.99).Microseconds())/1000, row.unit)
	}
	fmt.Printf("(apply of %d machines through the API: %s)\n", n, applied.Round(time.Millisecond))
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

// splitFiles cuts a multi-document YAML into files of at most per documents
// (the decoder caps the documents of one file).
func splitFiles(content string, per int) []inventory.File {
	docs := strings.Split(content, "\n---\n")
	var files []inventory.File
	for i := 0; i < len(docs); i += per {
		part := docs[i:min(i+per, len(docs))]
		files = append(files, inventory.File{Name: fmt.Sprintf("site-%d.yaml", len(files)), Content: strings.Join(part, "\n---\n")})
	}
	return files
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
