package fleet

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/kubeapi"
)

// memSnap is the process's goroutines and heap in use after a GC.
type memSnap struct {
	goroutines int
	heap       uint64
}

func snapshot() memSnap {
	runtime.GC()
	runtime.GC() // the second frees what sync.Pools kept through the first
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSnap{goroutines: runtime.NumGoroutine(), heap: ms.HeapInuse}
}

// BenchmarkClusters50 is 50 simulated clusters sharing one real
// kube-apiserver: 50 Clusters of one control-plane machine each (state
// joining, a Ready Node), every endpoint the same server, every record
// seeded with the server's PKI so that each cluster gets its own client
// (certificate, transport, connection) as it would with 50 real clusters.
// It prints what the controller costs per cluster (goroutines, heap in
// use after GC) and how long one reconcile round of all 50 takes. It is a
// measurement, not a timed assertion. Run:
//
//	go test -run '^$' -bench Clusters50 -benchtime 1x ./internal/fleet/
func BenchmarkClusters50(b *testing.B) {
	const n = 50
	srv := kubeapi.Start(b)
	f := newCtl(b, Config{})
	ep := strings.TrimPrefix(srv.Endpoint, "https://")
	var machines []string
	var clusters strings.Builder
	for i := 1; i <= n; i++ {
		cp, name := fmt.Sprintf("cp%02d", i), fmt.Sprintf("c%02d", i)
		machines = append(machines, fmt.Sprintf("%s=127.0.1.%d", cp, i))
		clusters.WriteString(clusterYAML(name, cp, "", ep, ""))
		f.adopt(b, name, srv.PKI)
	}
	f.apply(b, siteYAML("127.0.0.0/16", machines...)+clusters.String())
	for i := 1; i <= n; i++ {
		cp := fmt.Sprintf("cp%02d", i)
		f.to(b, cp, toJoining...)
		readyNode(b, srv.Client(), cp)
	}

	before := snapshot()
	round := func() time.Duration {
		start := time.Now()
		require.NoError(b, f.c.Reconcile(b.Context()))
		return time.Since(start)
	}
	first := round()
	afterFirst := snapshot()
	var steady []time.Duration
	for range 5 {
		f.clock.advance(DefaultInterval)
		steady = append(steady, round())
	}
	after := snapshot()
	for i := 1; i <= n; i++ {
		st := f.status(b, fmt.Sprintf("c%02d", i))
		require.Equal(b, PhaseReady, st.Phase, "c%02d: %s", i, st.Message)
	}

	var sum time.Duration
	for _, d := range steady {
		sum += d
	}
	mean := sum / time.Duration(len(steady))
	perG := float64(after.goroutines-before.goroutines) / n
	perHeap := (float64(after.heap) - float64(before.heap)) / n / 1024
	fmt.Printf("\n50 simulated clusters sharing one real kube-apiserver (one control-plane machine and Ready Node each)\n")
	fmt.Printf("%-44s %12s %12s %12s\n", "", "goroutines", "heap in use", "round")
	fmt.Printf("%-44s %12d %9.1f MB %12s\n", "before the first reconcile", before.goroutines, mb(before.heap), "")
	fmt.Printf("%-44s %12d %9.1f MB %12s\n", "after round 1 (clients, RBAC, active, ready)", afterFirst.goroutines, mb(afterFirst.heap), first.Round(time.Millisecond))
	fmt.Printf("%-44s %12d %9.1f MB %12s\n", "after 5 steady rounds (mean round)", after.goroutines, mb(after.heap), mean.Round(time.Millisecond))
	fmt.Printf("%-44s %12.1f %9.1f KB %12s\n", "per cluster (after − before) / 50", perG, perHeap, (mean / n).Round(10*time.Microsecond))
	b.ReportMetric(float64(mean.Milliseconds()), "ms/round")
	b.ReportMetric(perG, "goroutines/cluster")
	b.ReportMetric(perHeap, "heap-KB/cluster")
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }
