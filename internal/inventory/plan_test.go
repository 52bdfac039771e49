package inventory

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stored turns declared objects into what the store would give back.
func stored(t testing.TB, objs []Object) []Object {
	t.Helper()
	out := make([]Object, 0, len(objs))
	for _, o := range objs {
		so, err := ToStored(o)
		require.NoError(t, err)
		so.Revision = 3
		back, err := FromStored(so)
		require.NoError(t, err)
		out = append(out, back)
	}
	return out
}

// planText renders a plan for golden files: each change, its fields, its diff.
func planText(p *Plan) string {
	var b strings.Builder
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "# %s %s (revision %d)\n", c.Action, c.Key(), c.Revision)
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "#   %s: %v -> %v\n", f.Path, f.Old, f.New)
		}
		b.WriteString(c.Diff)
	}
	fmt.Fprintf(&b, "# %s (%d unchanged)\n", p.Summary(), p.Unchanged)
	return b.String()
}

func TestPlanCreate(t *testing.T) {
	objs := site(t)
	require.Empty(t, Validate(objs, nil))
	p, err := ComputePlan(objs, nil, false)
	require.NoError(t, err)
	var order []string
	for _, c := range p.Changes {
		order = append(order, c.Key().String())
		assert.Equal(t, ActionCreate, c.Action)
		assert.Zero(t, c.Revision)
	}
	assert.Equal(t, []string{"Credentials r1-bmc", "Network lab", "Image edge-os", "Fleet edge", "Cluster edge-1",
		"Machine r1-u05", "Machine r1-u06"}, order)
	golden(t, "plan-create.golden", planText(p))
}

func TestPlanNoChanges(t *testing.T) {
	objs := site(t)
	require.Empty(t, Validate(objs, nil))
	p, err := ComputePlan(objs, stored(t, objs), true)
	require.NoError(t, err)
	assert.True(t, p.Empty())
	assert.Equal(t, 7, p.Unchanged)
	assert.Equal(t, "No changes.", p.Summary())
}

func TestPlanUpdate(t *testing.T) {
	live := site(t)
	require.Empty(t, Validate(live, nil))
	live = stored(t, live)
	declared := site(t)
	m := machineSpec(t, declared, "r1-u05")
	m.BMC.Address = "redfish://10.0.0.5"
	m.Hardware.Disks = append(m.Hardware.Disks, Disk{SizeGiB: 4000, Type: "hdd"})
	m.Hardware.Disks[0].Count = 0
	m.Firmware = ""
	find(t, declared, KindMachine, "r1-u05").Metadata.Labels["rack"] = "r2"
	networkSpec(t, declared).DNS = []string{"198.18.0.1", "198.18.0.2"}
	require.Empty(t, Validate(declared, nil))

	p, err := ComputePlan(declared, live, false)
	require.NoError(t, err)
	assert.Equal(t, "Plan: 0 to create, 2 to update, 0 to delete.", p.Summary())
	assert.Equal(t, 5, p.Unchanged)
	require.Len(t, p.Changes, 2)
	assert.Equal(t, Key{KindNetwork, "lab"}, p.Changes[0].Key())
	assert.Equal(t, int64(3), p.Changes[1].Revision)
	want := []FieldChange{
		{Path: "metadata.labels.rack", Old: "r1", New: "r2"},
		{Path: "spec.bmc.address", Old: "ipmi://10.0.0.5:623", New: "redfish://10.0.0.5"},
		{Path: "spec.hardware.disks[1].sizeGiB", New: int64(4000)},
		{Path: "spec.hardware.disks[1].type", New: "hdd"},
		{Path: "spec.firmware", Old: "uefi"},
		{Path: "spec.hardware.disks[0].count", Old: int64(2)},
	}
	if d := cmp.Diff(want, p.Changes[1].Fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	golden(t, "plan-update.golden", planText(p))
}

func TestPlanPrune(t *testing.T) {
	objs := site(t)
	require.Empty(t, Validate(objs, nil))
	live := stored(t, objs)
	live = append(live, liveObject(t, KindImage, "old-os", `{"file":"/old.raw","format":"raw","sha256":"`+sha+`"}`),
		liveObject(t, KindMachine, "r9-u01", `{"mac":"52:54:00:00:09:01","image":"old-os"}`))

	p, err := ComputePlan(objs, live, false)
	require.NoError(t, err)
	assert.True(t, p.Empty(), "without prune, undeclared live objects stay")

	p, err = ComputePlan(objs, live, true)
	require.NoError(t, err)
	assert.Equal(t, "Plan: 0 to create, 0 to update, 2 to delete.", p.Summary())
	golden(t, "plan-prune.golden", planText(p))
}

func TestPlanRefusesDeletingAReferencedObject(t *testing.T) {
	objs := site(t)
	require.Empty(t, Validate(objs, nil))
	live := stored(t, objs)
	var declared []Object
	for _, o := range objs {
		if o.Kind != KindImage {
			declared = append(declared, o)
		}
	}
	_, err := ComputePlan(declared, live, true)
	require.EqualError(t, err, "site.yaml: Machine r1-u05: spec.image: refers to Image edge-os, which this plan deletes (it is no longer declared) (line 39)\n"+
		"site.yaml: Machine r1-u06: spec.image: refers to Image edge-os, which this plan deletes (it is no longer declared) (line 50)")
}

func TestPlanOrdersDeletesInReverse(t *testing.T) {
	live := stored(t, site(t))
	p, err := ComputePlan(nil, live, true)
	require.NoError(t, err)
	var order []string
	for _, c := range p.Changes {
		order = append(order, c.Key().String())
	}
	assert.Equal(t, []string{"Machine r1-u05", "Machine r1-u06", "Cluster edge-1", "Fleet edge", "Image edge-os",
		"Network lab", "Credentials r1-bmc"}, order)
}

func TestPlanDuplicateDeclared(t *testing.T) {
	objs := site(t)
	objs = append(objs, objs[0])
	_, err := ComputePlan(objs, nil, false)
	require.EqualError(t, err, "site.yaml: Network lab: metadata.name: Network lab is declared twice (first in site.yaml line 1) (line 1)")
}

func TestStoredRoundTrip(t *testing.T) {
	objs := site(t)
	require.Empty(t, Validate(objs, nil))
	for _, o := range objs {
		so, err := ToStored(o)
		require.NoError(t, err)
		assert.Equal(t, string(o.Kind), so.Kind)
		back, err := FromStored(so)
		require.NoError(t, err)
		assert.Equal(t, o.Spec, back.Spec, "%s", o.Key())
		assert.Equal(t, o.Metadata.Labels, back.Metadata.Labels)
	}
	_, err := FromStored(storeObject("Pod", "p", `{}`, 1))
	require.EqualError(t, err, "stored object Pod p: unknown kind")
	_, err = FromStored(storeObject(KindMachine, "m", `{"mac":"x","extra":1}`, 1))
	require.ErrorContains(t, err, `stored object Machine m: decode spec: json: unknown field "extra"`)
}

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	b := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	assert.Equal(t, "--- x\n+++ y\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,3 +9,4 @@\n i\n j\n k\n+l\n",
		unifiedDiff("x", "y", a, b))
	assert.Equal(t, "", unifiedDiff("x", "y", a, a))
	assert.Equal(t, "--- x\n+++ y\n@@ -0,0 +1 @@\n+z\n", unifiedDiff("x", "y", "", "z"))
	assert.Equal(t, "--- x\n+++ y\n@@ -1,2 +0,0 @@\n-z\n-w\n", unifiedDiff("x", "y", "z\nw\n", ""))
}

// TestDiffLinesIsAnEditScript checks on many pairs that applying the script
// to a gives b and that it keeps a longest common subsequence's worth of lines.
func TestDiffLinesIsAnEditScript(t *testing.T) {
	texts := []string{"", "a", "ab", "ba", "abc", "acb", "aabbcc", "abcabba", "cbabac", "xyz", "abcdefg", "gfedcba"}
	for _, x := range texts {
		for _, y := range texts {
			a, b := strings.Split(x, ""), strings.Split(y, "")
			edits := diffLines(a, b)
			var gotA, gotB []string
			kept := 0
			for _, e := range edits {
				if e.op != '+' {
					gotA = append(gotA, e.line)
				}
				if e.op != '-' {
					gotB = append(gotB, e.line)
				}
				if e.op == ' ' {
					kept++
				}
			}
			assert.Equal(t, strings.Join(a, ""), strings.Join(gotA, ""), "%q→%q", x, y)
			assert.Equal(t, strings.Join(b, ""), strings.Join(gotB, ""), "%q→%q", x, y)
			assert.Equal(t, lcs(a, b), kept, "%q→%q keeps an LCS", x, y)
		}
	}
}

func lcs(a, b []string) int {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	return t[0][0]
}
