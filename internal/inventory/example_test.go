package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExampleSite decodes and validates deploy/examples/site, the inventory
// `make run` applies.
func TestExampleSite(t *testing.T) {
	files, err := ReadPaths([]string{"../../deploy/examples/site"})
	require.NoError(t, err)
	objs, err := DecodeFiles(files)
	require.NoError(t, err)
	require.NoError(t, Validate(objs, nil).Err())

	count := map[Kind]int{}
	for _, o := range objs {
		count[o.Kind]++
	}
	assert.Equal(t, map[Kind]int{KindNetwork: 1, KindCredentials: 1, KindMachine: 4, KindImage: 1,
		KindCluster: 1, KindFleet: 1}, count)

	plan, err := ComputePlan(objs, nil, false)
	require.NoError(t, err)
	assert.Equal(t, "Plan: 9 to create, 0 to update, 0 to delete.", plan.Summary())
	for _, c := range plan.Changes {
		t.Log(c.Diff)
	}
}
