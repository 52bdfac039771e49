// Package bom checks a machine's inspected hardware against its declared
// bill of materials (spec.hardware): enough CPUs, enough memory, and the
// declared disks (count × at least size, of a type). A mismatch says what
// differs in words an operator reads at the rack:
// "disks: declared 2 × ≥ 900 GiB ssd, found 1 × 960 GiB ssd".
package bom

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// Policies (spec.hardware.policy).
const (
	Enforce = "enforce" // a mismatch blocks provisioning (the default)
	Warn    = "warn"    // a mismatch is recorded, provisioning goes on
)

// GiB is 2^30 bytes.
const GiB = 1 << 30

// memorySlack is how much less memory than declared the kernel may report
// (firmware and kernel reservations) before it is a mismatch.
const memorySlack = 0.05

// Result is the outcome of a check.
type Result struct {
	// Diffs lists every mismatch; empty when the hardware matches.
	Diffs []string
	// Policy is the declared policy (Enforce when none is declared).
	Policy string
	// Declared is false when the machine declares no hardware (nothing to check).
	Declared bool
}

// OK reports whether the hardware matches.
func (r Result) OK() bool { return len(r.Diffs) == 0 }

// Blocks reports whether the result stops provisioning.
func (r Result) Blocks() bool { return !r.OK() && r.Policy != Warn }

// String is the one-line summary recorded on the event.
func (r Result) String() string {
	switch {
	case !r.Declared:
		return "no hardware declared: nothing to check"
	case r.OK():
		return "hardware matches the declared BOM"
	}
	return strings.Join(r.Diffs, "; ")
}

// Check compares inv with the declared hardware (nil: nothing declared).
func Check(declared *inventory.Hardware, inv agent.Inventory) Result {
	if declared == nil {
		return Result{Policy: Enforce}
	}
	r := Result{Policy: declared.Policy, Declared: true}
	if r.Policy == "" {
		r.Policy = Enforce
	}
	if found := inv.CPU.Threads; declared.CPUs > 0 && found < declared.CPUs {
		r.Diffs = append(r.Diffs, fmt.Sprintf("cpus: declared %d, found %d", declared.CPUs, found))
	}
	if declared.MemoryGiB > 0 {
		want := float64(declared.MemoryGiB) * GiB * (1 - memorySlack)
		if float64(inv.MemoryBytes) < want {
			r.Diffs = append(r.Diffs, fmt.Sprintf("memory: declared %d GiB, found %s",
				declared.MemoryGiB, gib(inv.MemoryBytes)))
		}
	}
	r.Diffs = append(r.Diffs, checkDisks(declared.Disks, inv.Disks)...)
	return r
}

// checkDisks assigns found disks to the declared ones, largest declared
// first, each to the smallest fitting disk; every declared group left short
// is a mismatch that lists the disks of its type that were found.
func checkDisks(declared []inventory.Disk, found []agent.Disk) []string {
	free := make([]agent.Disk, 0, len(found))
	for _, d := range found {
		if !d.Removable {
			free = append(free, d)
		}
	}
	slices.SortFunc(free, func(a, b agent.Disk) int { return cmpInt(a.SizeBytes, b.SizeBytes) })
	groups := slices.Clone(declared)
	slices.SortStableFunc(groups, func(a, b inventory.Disk) int { return cmpInt(int64(b.SizeGiB), int64(a.SizeGiB)) })
	var diffs []string
	for _, g := range groups {
		want := max(g.Count, 1)
		got := 0
		for i := 0; i < len(free) && got < want; {
			if fits(free[i], g) {
				free = slices.Delete(free, i, i+1)
				got++
				continue
			}
			i++
		}
		if got < want {
			diffs = append(diffs, fmt.Sprintf("disks: declared %d × ≥ %d GiB%s, found %s",
				want, g.SizeGiB, typeSuffix(g.Type), describeDisks(found, g.Type)))
		}
	}
	return diffs
}

func fits(d agent.Disk, g inventory.Disk) bool {
	return d.SizeBytes >= int64(g.SizeGiB)*GiB && (g.Type == "" || strings.EqualFold(d.Type, g.Type))
}

// describeDisks summarizes the non-removable disks of type t (all types
// when t is empty): "1 × 960 GiB ssd, 2 × 480 GiB ssd", or "none".
func describeDisks(found []agent.Disk, t string) string {
	type key struct {
		size int64
		typ  string
	}
	var order []key
	count := map[key]int{}
	for _, d := range found {
		if d.Removable || (t != "" && !strings.EqualFold(d.Type, t)) {
			continue
		}
		k := key{d.SizeBytes, d.Type}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	if len(order) == 0 {
		if t != "" {
			return "no " + t + " disk"
		}
		return "no disk"
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d × %s%s", count[k], gib(k.size), typeSuffix(k.typ)))
	}
	return strings.Join(parts, ", ")
}

func typeSuffix(t string) string {
	if t == "" || t == "unknown" {
		return ""
	}
	return " " + t
}

// gib renders a size in GiB, with one decimal below 10 GiB.
func gib(b int64) string {
	g := float64(b) / GiB
	if g < 10 && g != float64(int64(g)) {
		return fmt.Sprintf("%.1f GiB", g)
	}
	return fmt.Sprintf("%d GiB", int64(g+0.5))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
