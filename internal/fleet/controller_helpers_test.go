package fleet

import (
	"crypto/rand"
	"fmt"
	"github.com/slipway-dev/slipway/internal/kube/kubetest"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// testVersion is the Kubernetes version the fake artifacts carry.
const testVersion = "v1.37.2"

// fakeArtifacts is a fake artifacts cache supporting testVersion only.
func fakeArtifacts(t testing.TB) string { return kubetest.FakeArtifacts(t, testVersion) }

// testClock is the controller's clock: real time plus an offset the test
// moves forward (the store's clock, which dates machine states, stays real).
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (k *testClock) now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return time.Now().Add(k.off)
}

func (k *testClock) advance(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.off += d
}

// ctl is a store, its keyring and a controller with a test clock.
type ctl struct {
	db    *store.DB
	keys  *secret.Keyring
	c     *Controller
	clock *testClock
}

func newCtl(t testing.TB, cfg Config) *ctl {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "s.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	key := make([]byte, 32)
	_, err = rand.Read(key)
	require.NoError(t, err)
	keys, err := secret.New(key)
	require.NoError(t, err)
	cfg.Keys = keys
	if cfg.ArtifactsDir == "" {
		cfg.ArtifactsDir = fakeArtifacts(t)
	}
	c, err := New(cfg, db, nil)
	require.NoError(t, err)
	clock := &testClock{}
	c.now = clock.now
	return &ctl{db: db, keys: keys, c: c, clock: clock}
}

// apply applies inventory YAML (merged with what is already declared).
func (f *ctl) apply(t testing.TB, yaml string) {
	t.Helper()
	_, err := inventory.Apply(t.Context(), f.db, []inventory.File{{Name: "site.yaml", Content: yaml}},
		inventory.ApplyOptions{Actor: "test"})
	require.NoError(t, err)
}

// to moves machine name through triggers, as the journey would.
func (f *ctl) to(t testing.TB, name string, triggers ...machine.Trigger) {
	t.Helper()
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error {
		for _, trig := range triggers {
			c := machine.Cause{Reason: "test", Message: "test " + string(trig), Actor: "test"}
			if trig == machine.Fail {
				c.Message = "sha256 mismatch on /dev/vda"
			}
			if _, err := machine.Transition(tx, name, trig, c); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Trigger paths from registered.
var (
	toProvisioning = []machine.Trigger{machine.Provision}
	toBooting      = []machine.Trigger{machine.Provision, machine.Installed, machine.BootDisk}
	toJoining      = []machine.Trigger{machine.Provision, machine.Installed, machine.BootDisk, machine.PhonedHome}
)

// seed runs NodeSeed in its own transaction.
func (f *ctl) seed(t testing.TB, machineName, cluster string) (*NodeSeed, error) {
	t.Helper()
	var ns *NodeSeed
	err := f.db.Update(t.Context(), func(tx *store.Tx) (err error) {
		ns, err = f.c.NodeSeed(tx, machineName, cluster)
		return err
	})
	return ns, err
}

// record opens cluster name's stored record.
func (f *ctl) record(t testing.TB, name string) *record {
	t.Helper()
	var r *record
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		r, err = loadRecord(tx, f.keys, name, false)
		return err
	}))
	return r
}

// update changes cluster name's stored record through the package's own save.
func (f *ctl) update(t testing.TB, name string, change func(*record)) {
	t.Helper()
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error {
		r, err := loadRecord(tx, f.keys, name, false)
		if err != nil {
			return err
		}
		change(r)
		return r.save(tx, f.keys)
	}))
}

// adopt stores cluster name's record with pki (before the controller
// first sees the cluster), as if the appliance had created that PKI: the
// controller then talks to a kubeapi.Server issued from it.
func (f *ctl) adopt(t testing.TB, name string, pki *kube.ClusterPKI) {
	t.Helper()
	files, err := pki.Files()
	require.NoError(t, err)
	r := &record{name: name, pki: pki, sec: secrets{PKI: map[string][]byte{}}}
	for path, file := range files {
		r.sec.PKI[path] = file.Data
	}
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error { return r.save(tx, f.keys) }))
}

func (f *ctl) status(t testing.TB, name string) Status {
	t.Helper()
	var all map[string]Status
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		all, err = Statuses(tx)
		return err
	}))
	return all[name]
}

func (f *ctl) events(t testing.TB, machineName, typ string) []store.Event {
	t.Helper()
	var evs []store.Event
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		evs, err = tx.ListEvents(store.EventFilter{Machine: machineName, Type: typ})
		return err
	}))
	return evs
}

func (f *ctl) machine(t testing.TB, name string) store.Machine {
	t.Helper()
	var m store.Machine
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		m, err = tx.GetMachine(name)
		return err
	}))
	return m
}

// reconcile runs one reconcile of every cluster and returns cluster's status.
func (f *ctl) reconcile(t testing.TB, cluster string) Status {
	t.Helper()
	require.NoError(t, f.c.Reconcile(t.Context()))
	return f.status(t, cluster)
}

// siteYAML declares a network and machines NAME=IP on it (no cluster).
func siteYAML(subnet string, machines ...string) string {
	y := fmt.Sprintf("apiVersion: slipway.dev/v1alpha1\nkind: Network\nmetadata: {name: lab}\nspec: {subnet: %s, interface: slipway0}\n", subnet)
	for i, m := range machines {
		name, ip := m, ""
		if n, a, ok := strings.Cut(m, "="); ok {
			name, ip = n, a
		}
		y += fmt.Sprintf("---\napiVersion: slipway.dev/v1alpha1\nkind: Machine\nmetadata: {name: %s}\nspec: {mac: \"52:54:00:10:%02x:%02x\", network: lab", name, i/256, i%256)
		if ip != "" {
			y += ", ip: " + ip
		}
		y += "}\n"
	}
	return y
}
