package inventory

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/pgtest"
	"github.com/slipway-dev/slipway/internal/store"
)

// applyCases run on each store driver.
var applyCases = []struct {
	name string
	fn   func(t *testing.T, db *store.DB)
}{
	{"ExampleSiteTwice", testApplyExampleSiteTwice},
	{"DryRunWritesNothing", testApplyDryRun},
	{"UpdateMAC", testApplyUpdateMAC},
	{"Prune", testApplyPrune},
	{"RenameKeepsMAC", testApplyRenameKeepsMAC},
	{"LiveObjectsResolve", testApplyLiveObjectsResolve},
	{"Expectations", testApplyExpectations},
	{"ConcurrentApplies", testConcurrentApplies},
	{"AllOrNothing", testApplyAllOrNothing},
	{"Delete", testDelete},
}

func TestApply(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		for _, c := range applyCases {
			t.Run(c.name, func(t *testing.T) {
				c.fn(t, openDB(t, store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "slipway.db")}))
			})
		}
	})
	t.Run("postgres", func(t *testing.T) {
		server := pgtest.Start(t)
		for _, c := range applyCases {
			t.Run(c.name, func(t *testing.T) {
				c.fn(t, openDB(t, store.Config{Driver: store.DriverPostgres, DSN: pgtest.NewDatabase(t, server)}))
			})
		}
	})
}

func openDB(t testing.TB, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

func exampleFiles(t testing.TB) []File {
	t.Helper()
	files, err := ReadPaths([]string{"../../deploy/examples/site"})
	require.NoError(t, err)
	return files
}

// editFile returns files with old replaced by new in the named file.
func editFile(t testing.TB, files []File, name, old, new string) []File {
	t.Helper()
	out := make([]File, len(files))
	copy(out, files)
	for i := range out {
		if strings.HasSuffix(out[i].Name, name) {
			require.Contains(t, out[i].Content, old)
			out[i].Content = strings.Replace(out[i].Content, old, new, 1)
			return out
		}
	}
	t.Fatalf("no file %s", name)
	return nil
}

func machines(t testing.TB, db *store.DB) map[string]store.Machine {
	t.Helper()
	out := map[string]store.Machine{}
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) error {
		ms, err := tx.ListMachines(store.MachineFilter{})
		for _, m := range ms {
			out[m.Name] = m
		}
		return err
	}))
	return out
}

func events(t testing.TB, db *store.DB) []store.Event {
	t.Helper()
	var out []store.Event
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) {
		out, err = tx.ListEvents(store.EventFilter{})
		return err
	}))
	return out
}

func objectCount(t testing.TB, db *store.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) error {
		objs, err := tx.ListObjects("")
		n = len(objs)
		return err
	}))
	return n
}

func testApplyExampleSiteTwice(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	p, err := Apply(t.Context(), db, files, ApplyOptions{Actor: "token:ci"})
	require.NoError(t, err)
	assert.Equal(t, "Plan: 9 to create, 0 to update, 0 to delete.", p.Summary())
	assert.Equal(t, []string{"Credentials lab-bmc: no secret stored yet; run: slipway create credentials lab-bmc --username U --password-stdin"}, p.Warnings)

	ms := machines(t, db)
	require.Len(t, ms, 4)
	for _, name := range []string{"r1-u05", "r1-u06", "r1-u07", "r1-u08"} {
		assert.Equal(t, string(machine.Registered), ms[name].State, name)
	}
	assert.Equal(t, "52:54:00:77:00:07", ms["r1-u07"].MAC)

	evs := events(t, db)
	require.Len(t, evs, 5)
	assert.Equal(t, "state", evs[0].Type)
	assert.Equal(t, "r1-u05", evs[0].Machine)
	assert.Equal(t, "declared in ../../deploy/examples/site/machines.yaml", evs[0].Message)
	assert.Equal(t, "token:ci", evs[0].Actor)
	last := evs[4]
	assert.Equal(t, "inventory.apply", last.Type)
	assert.Empty(t, last.Machine)
	assert.Equal(t, "token:ci", last.Actor)
	assert.True(t, strings.HasPrefix(last.Message, "Plan: 9 to create, 0 to update, 0 to delete. ("), last.Message)

	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.PutCredential(&store.Credential{Name: "lab-bmc", Username: "admin", Sealed: []byte{1}})
	}))
	p, err = Apply(t.Context(), db, files, ApplyOptions{Actor: "token:ci", Prune: true})
	require.NoError(t, err)
	assert.True(t, p.Empty(), "second apply: %s", p.Summary())
	assert.Equal(t, 9, p.Unchanged)
	assert.Empty(t, p.Warnings)
	assert.Len(t, events(t, db), 5, "a no-op apply writes nothing")
}

func testApplyDryRun(t *testing.T, db *store.DB) {
	p, err := Apply(t.Context(), db, exampleFiles(t), ApplyOptions{DryRun: true})
	require.NoError(t, err)
	assert.Len(t, p.Changes, 9)
	assert.Zero(t, objectCount(t, db))
	assert.Empty(t, machines(t, db))
	assert.Empty(t, events(t, db))
}

func testApplyUpdateMAC(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	_, err := Apply(t.Context(), db, files, ApplyOptions{})
	require.NoError(t, err)
	files = editFile(t, files, "machines.yaml", `mac: "52:54:00:77:00:06"`, `mac: "52-54-00-77-00-AA"`)
	p, err := Apply(t.Context(), db, files, ApplyOptions{Actor: "user:ana"})
	require.NoError(t, err)
	require.Len(t, p.Changes, 1)
	assert.Equal(t, []FieldChange{{Path: "spec.mac", Old: "52:54:00:77:00:06", New: "52:54:00:77:00:aa"}}, p.Changes[0].Fields)
	assert.Equal(t, "52:54:00:77:00:aa", machines(t, db)["r1-u06"].MAC)
	evs := events(t, db)
	mac := evs[len(evs)-2]
	assert.Equal(t, "inventory.mac", mac.Type)
	assert.Equal(t, "r1-u06", mac.Machine)
	assert.Equal(t, "user:ana", mac.Actor)
	assert.Equal(t, "boot MAC changed from 52:54:00:77:00:06 to 52:54:00:77:00:aa (declared in ../../deploy/examples/site/machines.yaml)", mac.Message)
}

// without returns files minus the document of Machine name.
func without(t testing.TB, files []File, name string) []File {
	t.Helper()
	out := make([]File, len(files))
	copy(out, files)
	for i := range out {
		docs := strings.Split(out[i].Content, "---\n")
		kept := docs[:0]
		for _, d := range docs {
			if !strings.Contains(d, "kind: Machine\nmetadata:\n  name: "+name+"\n") {
				kept = append(kept, d)
			}
		}
		out[i].Content = strings.Join(kept, "---\n")
	}
	return out
}

func testApplyPrune(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	_, err := Apply(t.Context(), db, files, ApplyOptions{})
	require.NoError(t, err)
	fewer := without(t, files, "r1-u08")

	p, err := Apply(t.Context(), db, fewer, ApplyOptions{})
	require.NoError(t, err)
	assert.True(t, p.Empty(), "without prune an undeclared machine stays")
	assert.Contains(t, machines(t, db), "r1-u08")

	p, err = Apply(t.Context(), db, fewer, ApplyOptions{Prune: true, Actor: "user:ana"})
	require.NoError(t, err)
	assert.Equal(t, "Plan: 0 to create, 0 to update, 1 to delete.", p.Summary())
	assert.NotContains(t, machines(t, db), "r1-u08")
	evs := events(t, db)
	del := evs[len(evs)-2]
	assert.Equal(t, "inventory.delete", del.Type)
	assert.Equal(t, "r1-u08", del.Machine)
	assert.Equal(t, "machine removed: no longer declared in the inventory", del.Message)

	// An empty inventory does not prune everything.
	_, err = Apply(t.Context(), db, []File{{Name: "empty.yaml", Content: "# nothing\n"}}, ApplyOptions{Prune: true})
	require.EqualError(t, err, "the inventory declares nothing; refusing to prune (it would delete every object)")

	// Pruning the image the machines still use is refused at the reference.
	var noImage []File
	for _, f := range fewer {
		if !strings.HasSuffix(f.Name, "image.yaml") {
			noImage = append(noImage, f)
		}
	}
	_, err = Apply(t.Context(), db, noImage, ApplyOptions{Prune: true})
	require.ErrorContains(t, err, "machines.yaml: Machine r1-u05: spec.image: Image edge-os is not declared (line 24)")
}

func testApplyRenameKeepsMAC(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	_, err := Apply(t.Context(), db, files, ApplyOptions{})
	require.NoError(t, err)
	renamed := editFile(t, files, "machines.yaml", "name: r1-u08", "name: r1-u08b")
	p, err := Apply(t.Context(), db, renamed, ApplyOptions{Prune: true})
	require.NoError(t, err)
	assert.Equal(t, "Plan: 1 to create, 0 to update, 1 to delete.", p.Summary())
	ms := machines(t, db)
	assert.NotContains(t, ms, "r1-u08")
	assert.Equal(t, "52:54:00:77:00:08", ms["r1-u08b"].MAC)
}

func testApplyLiveObjectsResolve(t *testing.T, db *store.DB) {
	files := exampleFiles(t)
	_, err := Apply(t.Context(), db, files, ApplyOptions{})
	require.NoError(t, err)
	// Only the machines file: the network, image, cluster and credentials are live.
	var only []File
	for _, f := range files {
		if strings.HasSuffix(f.Name, "machines.yaml") {
			only = append(only, f)
		}
	}
	only = editFile(t, only, "machines.yaml", "cpus: 1\n", "cpus: 2\n")
	p, err := Apply(t.Context(), db, only, ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Plan: 0 to create, 1 to update, 0 to delete.", p.Summary())
}

// testApplyAllOrNothing: a MAC that belongs to a discovered machine is found
// while writing, after other objects were written; nothing stays.
func testApplyAllOrNothing(t *testing.T, db *store.DB) {
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		return machine.Create(tx, &store.Machine{Name: "discovered-1", MAC: "52:54:00:77:00:08"}, machine.Discovered,
			machine.Cause{Reason: "dhcp", Actor: "system"})
	}))
	_, err := Apply(t.Context(), db, exampleFiles(t), ApplyOptions{})
	require.EqualError(t, err, "../../deploy/examples/site/machines.yaml: Machine r1-u08: spec.mac: 52:54:00:77:00:08 belongs to machine discovered-1 (discovered), which is not declared; adopting a machine is not supported yet (line 82)")
	l, ok := AsErrorList(err)
	require.True(t, ok)
	assert.Equal(t, "spec.mac", l[0].Field)

	assert.Zero(t, objectCount(t, db))
	assert.Equal(t, []string{"discovered-1"}, keys(machines(t, db)))
	assert.Len(t, events(t, db), 1)

	// The same check runs in a dry run.
	_, err = Apply(t.Context(), db, exampleFiles(t), ApplyOptions{DryRun: true})
	require.ErrorContains(t, err, "belongs to machine discovered-1")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
