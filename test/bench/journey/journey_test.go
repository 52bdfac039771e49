// Package journey benchmarks the whole machine journey on the virtual rack
// (test/rack): power-on → netboot → agent → install of the tiny image →
// boot from disk → phone home, for one machine and for four in parallel
// (QEMU TCG: each machine needs about one host core). Gated like the
// journey tests: SLIPWAY_VM=1, root, SLIPWAY_BIN, the built agent and
// tiny image.
//
//	SLIPWAY_VM=1 SLIPWAY_BIN=$PWD/.cache/bin/slipway go test -run '^$' -bench . -benchtime 1x ./test/bench/journey/
package journey

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/test/journey"
	"github.com/slipway-dev/slipway/test/rack"
)

const (
	targetSingle = 60 * time.Second
	timeout      = 6 * time.Minute
)

// single is the last single-machine figure, for the parallel ratio.
var single time.Duration

// BenchmarkJourneyOne: one BIOS machine, provision → active (target < 60 s).
func BenchmarkJourneyOne(b *testing.B) {
	took := provisionAll(b, rack.Machines(1, "bios"))
	single = took
	b.ReportMetric(took.Seconds(), "s/journey")
	fmt.Printf("\nJourney, 1 machine (BIOS, TCG, tiny image): power-on → booted + phoned home %.1f s (target < %.0f s)\n",
		took.Seconds(), targetSingle.Seconds())
}

// BenchmarkJourneyFour: four BIOS machines at once (target < 2× one).
func BenchmarkJourneyFour(b *testing.B) {
	took := provisionAll(b, rack.Machines(4, "bios"))
	b.ReportMetric(took.Seconds(), "s/4-journeys")
	ratio := "(run BenchmarkJourneyOne in the same run for the ratio)"
	if single > 0 {
		ratio = fmt.Sprintf("= %.2f× one machine (target < 2×)", took.Seconds()/single.Seconds())
	}
	fmt.Printf("Journey, 4 machines in parallel: all active after %.1f s %s\n", took.Seconds(), ratio)
}

// provisionAll starts a rack of ms, provisions them all with one CLI call
// and returns the time until the last is active.
func provisionAll(b *testing.B, ms []rack.Machine) time.Duration {
	bin := rack.Require(b)
	img := rack.RequireImages(b, "tiny")
	r := rack.New(b, rack.Config{Slipway: bin, AgentDir: rack.AgentDir(), Image: &img, Machines: ms})
	ctx := b.Context()
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	b.ResetTimer()
	start := time.Now()
	if _, err := r.CLI(ctx, append([]string{"provision"}, names...)...); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, n := range names {
		wg.Go(func() { _, errs[i] = journey.WaitState(ctx, r, n, timeout, "active") })
	}
	wg.Wait()
	took := time.Since(start)
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	printPhases(ctx, r, names[0])
	return took
}

func printPhases(ctx context.Context, r *rack.Rack, name string) {
	out, err := r.CLI(ctx, "describe", "machine", name)
	if err != nil {
		return
	}
	rows := journey.Timeline(out)
	var parts []string
	for _, p := range journey.Phases {
		if row, ok := rows[p]; ok && row.Took > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1fs", p, row.Took.Seconds()))
		}
	}
	fmt.Printf("  %s phases: %s\n", name, strings.Join(parts, ", "))
}
