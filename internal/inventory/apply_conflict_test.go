package inventory

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

func testApplyExpectations(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	reviewed, err := Apply(t.Context(), db, files, ApplyOptions{DryRun: true})
	require.NoError(t, err)
	_, err = Apply(t.Context(), db, files, ApplyOptions{Expect: reviewed.Expectations()})
	require.NoError(t, err)

	changed := editFile(t, files, "machines.yaml", "cpus: 1\n", "cpus: 2\n")
	reviewed, err = Apply(t.Context(), db, changed, ApplyOptions{DryRun: true})
	require.NoError(t, err)
	require.Len(t, reviewed.Changes, 1)

	// A change the reviewed plan did not have.
	more := editFile(t, changed, "network.yaml", "leaseTime: 12h", "leaseTime: 6h")
	_, err = Apply(t.Context(), db, more, ApplyOptions{Expect: reviewed.Expectations()})
	var conflict *ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, "Network lab: the reviewed plan did not update it; review the new plan and apply again", err.Error())
	assert.True(t, errors.Is(err, store.ErrConflict))

	// A reviewed change that is no longer needed.
	_, err = Apply(t.Context(), db, files, ApplyOptions{Expect: reviewed.Expectations()})
	require.EqualError(t, err, "Machine r1-u05: the reviewed plan changed it, but it needs no change now; review the new plan and apply again")

	// An empty reviewed plan is an expectation too: nothing may change.
	_, err = Apply(t.Context(), db, changed, ApplyOptions{Expect: []Expectation{}})
	require.EqualError(t, err, "Machine r1-u05: the reviewed plan did not update it; review the new plan and apply again")
}

// testConcurrentApplies: two operators review plans against the same
// revision and apply them at once: one wins, the other is refused with a
// conflict naming the object, and nothing is overwritten silently.
func testConcurrentApplies(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	_, err := Apply(t.Context(), db, files, ApplyOptions{})
	require.NoError(t, err)
	versions := []string{"memoryGiB: 2\n", "memoryGiB: 4\n"}
	var plans [2]*Plan
	for i, v := range versions {
		plans[i], err = Apply(t.Context(), db, editFile(t, files, "machines.yaml", "memoryGiB: 1\n", v), ApplyOptions{DryRun: true})
		require.NoError(t, err)
		require.Equal(t, int64(1), plans[i].Changes[0].Revision)
	}
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i, v := range versions {
		wg.Go(func() {
			_, errs[i] = Apply(t.Context(), db, editFile(t, files, "machines.yaml", "memoryGiB: 1\n", v),
				ApplyOptions{Expect: plans[i].Expectations(), Actor: "user:" + v[len(v)-2:len(v)-1]})
		})
	}
	wg.Wait()
	winner, loser := 0, 1
	if errs[0] != nil {
		winner, loser = 1, 0
	}
	require.NoError(t, errs[winner])
	var conflict *ConflictError
	require.ErrorAs(t, errs[loser], &conflict)
	assert.Equal(t, Key{Kind: KindMachine, Name: "r1-u05"}, conflict.Key)
	assert.Equal(t, "Machine r1-u05: changed since the plan was made (revision 1, now 2); review the new plan and apply again", errs[loser].Error())

	var spec string
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) error {
		o, err := tx.GetObject("Machine", "r1-u05")
		spec = string(o.Spec)
		return err
	}))
	assert.Contains(t, spec, `"memoryGiB":`+versions[winner][len("memoryGiB: "):len(versions[winner])-1])
}

func testDelete(t *testing.T, db *store.DB) {
	_, err := Apply(t.Context(), db, exampleFiles(t), ApplyOptions{})
	require.NoError(t, err)
	ctx := t.Context()

	err = Delete(ctx, db, Key{KindImage, "edge-os"}, 0, "user:ana")
	var conflict *ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, "Image edge-os: still referenced by Machine r1-u05 (spec.image), Machine r1-u06 (spec.image), "+
		"Machine r1-u07 (spec.image), Machine r1-u08 (spec.image); change or delete those first", err.Error())

	err = Delete(ctx, db, Key{KindMachine, "r1-u07"}, 5, "user:ana")
	require.EqualError(t, err, "Machine r1-u07: revision is 1, not 5: it changed since you looked; check it and delete again")

	err = Delete(ctx, db, Key{KindMachine, "r1-u05"}, 1, "user:ana")
	require.EqualError(t, err, "Machine r1-u05: still referenced by Cluster edge-1 (spec.controlPlane.machines[0]); change or delete those first")

	require.NoError(t, Delete(ctx, db, Key{KindMachine, "r1-u07"}, 1, "user:ana"))
	assert.NotContains(t, machines(t, db), "r1-u07")
	evs := events(t, db)
	assert.Equal(t, store.Event{ID: evs[len(evs)-1].ID, Time: evs[len(evs)-1].Time, Machine: "r1-u07", Type: "inventory.delete",
		Reason: "inventory", Actor: "user:ana", Message: "machine removed: its Machine object was deleted"}, evs[len(evs)-1])

	err = Delete(ctx, db, Key{KindFleet, "edge"}, 0, "user:ana")
	require.EqualError(t, err, "Fleet edge: still referenced by Cluster edge-1 (spec.fleet); change or delete those first")

	spare := File{Name: "spare.yaml", Content: "apiVersion: slipway.dev/v1alpha1\nkind: Image\nmetadata: {name: spare}\n" +
		"spec: {file: /srv/spare.raw, format: raw, sha256: " + sha + "}\n"}
	_, err = Apply(ctx, db, []File{spare}, ApplyOptions{})
	require.NoError(t, err)
	require.NoError(t, Delete(ctx, db, Key{KindImage, "spare"}, 1, "user:ana"))
	evs = events(t, db)
	assert.Equal(t, "Image spare deleted (revision 1)", evs[len(evs)-1].Message)
	assert.Empty(t, evs[len(evs)-1].Machine)

	err = Delete(ctx, db, Key{KindNetwork, "nowhere"}, 0, "user:ana")
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.EqualError(t, err, "inventory: delete Network nowhere: Network nowhere: not found")
}
