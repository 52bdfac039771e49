package inventory

import (
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// maxEditDistance bounds the Myers search (memory grows with its square);
// beyond it the diff replaces the differing middle wholesale, still correct.
const maxEditDistance = 2000

// edit is one line of a line diff: ' ' kept, '-' removed, '+' added.
type edit struct {
	op   byte
	line string
}

// unifiedDiff renders the diff of a → b (texts ending in newline) as a
// unified diff with the given file names; "" when they are equal.
func unifiedDiff(nameA, nameB, a, b string) string {
	if a == b {
		return ""
	}
	edits := diffLines(splitLines(a), splitLines(b))
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
	for _, h := range hunks(edits) {
		writeHunk(&sb, edits, h)
	}
	return sb.String()
}

// splitLines splits s into lines that each end in a newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += "\n"
	}
	return lines
}

// diffLines returns a shortest edit script from a to b (Myers' O(ND)
// algorithm, after trimming the common prefix and suffix).
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]edit, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		out = append(out, edit{' ', l})
	}
	out = append(out, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, edit{' ', l})
	}
	return out
}

func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	off := n + m + 1
	v := make([]int, 2*off+1)
	var trace [][]int // trace[d] is v[-d..d] after step d
	for d := 0; d <= n+m; d++ {
		if d > maxEditDistance {
			return replaceAll(a, b)
		}
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
		}
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
		if v[off+n-m] >= n && (n-m) >= -d && (n-m) <= d && (n-m+d)%2 == 0 {
			return backtrack(a, b, trace)
		}
	}
	return replaceAll(a, b) // not reached: d = n+m always finishes
}

func backtrack(a, b []string, trace [][]int) []edit {
	x, y := len(a), len(b)
	var rev []edit
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1] // index k+(d-1)
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && prev[k-1+d-1] < prev[k+1+d-1]) {
			prevK = k + 1
		}
		prevX := prev[prevK+d-1]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, edit{' ', a[x-1]})
			x, y = x-1, y-1
		}
		if x == prevX {
			rev = append(rev, edit{'+', b[y-1]})
			y--
		} else {
			rev = append(rev, edit{'-', a[x-1]})
			x--
		}
	}
	for x > 0 && y > 0 {
		rev = append(rev, edit{' ', a[x-1]})
		x, y = x-1, y-1
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

func replaceAll(a, b []string) []edit {
	out := make([]edit, 0, len(a)+len(b))
	for _, l := range a {
		out = append(out, edit{'-', l})
	}
	for _, l := range b {
		out = append(out, edit{'+', l})
	}
	return out
}

// hunk is a range [start, end) of edits shown together.
type hunk struct{ start, end int }

// hunks groups changed edits with diffContext lines of context around them,
// merging groups whose context would touch.
func hunks(edits []edit) []hunk {
	var out []hunk
	for i := 0; i < len(edits); i++ {
		if edits[i].op == ' ' {
			continue
		}
		start := max(0, i-diffContext)
		if n := len(out); n > 0 && start <= out[n-1].end {
			out[n-1].end = min(len(edits), i+1+diffContext)
			continue
		}
		out = append(out, hunk{start, min(len(edits), i+1+diffContext)})
	}
	return out
}

func writeHunk(sb *strings.Builder, edits []edit, h hunk) {
	// Line numbers: count the lines of each side before the hunk.
	lineA, lineB := 1, 1
	for _, e := range edits[:h.start] {
		if e.op != '+' {
			lineA++
		}
		if e.op != '-' {
			lineB++
		}
	}
	countA, countB := 0, 0
	for _, e := range edits[h.start:h.end] {
		if e.op != '+' {
			countA++
		}
		if e.op != '-' {
			countB++
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(lineA, countA), hunkRange(lineB, countB))
	for _, e := range edits[h.start:h.end] {
		sb.WriteByte(e.op)
		sb.WriteString(e.line)
	}
}

// hunkRange formats "start,count" as diff -u does (start is the line before
// the hunk when the side is empty).
func hunkRange(start, count int) string {
	if count == 0 {
		start--
	}
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
