package journey

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/boot"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

const site = `apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec: {subnet: 198.18.0.0/24, interface: slipway0, gateway: 198.18.0.1, dns: [198.18.0.1]}
---
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: bmc}
spec: {type: bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: tiny}
spec: {file: /srv/tiny.raw.zst, format: raw.zst, sha256: "1111111111111111111111111111111111111111111111111111111111111111"}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: m1}
spec:
  mac: "52:54:00:77:00:05"
  network: lab
  ip: 198.18.0.105
  bmc: {address: "ipmi://127.0.0.1:6230", credentialsRef: bmc}
  hardware: {cpus: 1, memoryGiB: 1, disks: [{sizeGiB: 2}]}
  image: tiny
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: m2}
spec:
  mac: "52:54:00:77:00:06"
  hardware: {cpus: 8, policy: enforce}
  image: tiny
`

const rawSum = "2222222222222222222222222222222222222222222222222222222222222222"

type fixture struct {
	db  *store.DB
	svc *Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "s.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = inventory.Apply(t.Context(), db, []inventory.File{{Name: "site.yaml", Content: site}},
		inventory.ApplyOptions{Actor: "test"})
	require.NoError(t, err)
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.PutImageStatus(&store.ImageStatus{Name: "tiny", Status: store.ImageReady, Format: "raw.zst",
			SHA256: "1111111111111111111111111111111111111111111111111111111111111111", Size: 1 << 20,
			RawSize: 64 << 20, RawSHA256: rawSum})
	}))
	svc, err := New(Config{BootPort: "8080"}, db, nil)
	require.NoError(t, err)
	return &fixture{db: db, svc: svc}
}

// to moves machine name to state through the table.
func (f *fixture) to(t *testing.T, name string, trig machine.Trigger) {
	t.Helper()
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := machine.Transition(tx, name, trig, machine.Cause{Reason: "test", Message: "test", Actor: "test"})
		return err
	}))
}

// token issues a boot token for name as the boot server does.
func (f *fixture) token(t *testing.T, name string) string {
	t.Helper()
	tok := boot.TokenPrefix + newToken("")
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.CreateBootToken(&store.BootToken{Hash: boot.HashToken(tok), Machine: name,
			ExpiresAt: time.Now().Add(time.Hour)})
	}))
	return tok
}

func (f *fixture) machine(t *testing.T, name string) store.Machine {
	t.Helper()
	var m store.Machine
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		m, err = tx.GetMachine(name)
		return err
	}))
	return m
}

func (f *fixture) events(t *testing.T, name, typ string) []store.Event {
	t.Helper()
	var evs []store.Event
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		evs, err = tx.ListEvents(store.EventFilter{Machine: name, Type: typ})
		return err
	}))
	return evs
}

// vm is the inventory a 1-cpu, 1 GiB, 2 GiB-disk QEMU machine reports.
func vm(mac string) agent.Inventory {
	return agent.Inventory{Firmware: "bios", CPU: agent.CPU{Model: "QEMU Virtual CPU", Sockets: 1, Cores: 1, Threads: 1},
		MemoryBytes: 1000 << 20, Disks: []agent.Disk{{Name: "vda", Path: "/dev/vda", SizeBytes: 2 << 30, Type: "hdd"}},
		NICs: []agent.NIC{{Name: "ens3", MAC: mac, Link: true}}}
}

var req = Request{Addr: "198.18.0.105", Host: "198.18.0.1:8443"}

func (f *fixture) claim(t *testing.T, name, mac string) string {
	t.Helper()
	resp, err := f.svc.Claim(context.Background(), req, agent.ClaimRequest{Token: f.token(t, name), MAC: mac, Machine: name})
	require.NoError(t, err)
	return resp.Session
}

// apply declares more inventory (merged with the site: no prune).
func (f *fixture) apply(t *testing.T, yaml string) {
	t.Helper()
	_, err := inventory.Apply(t.Context(), f.db, []inventory.File{{Name: "more.yaml", Content: yaml}},
		inventory.ApplyOptions{Actor: "test"})
	require.NoError(t, err)
}

// provision takes name to provisioning, claims it as its agent and
// reports a QEMU inventory: the session and the task the service answers.
func (f *fixture) provision(t *testing.T, name, mac string) (string, agent.Task) {
	t.Helper()
	f.to(t, name, machine.Provision)
	sess := f.claim(t, name, mac)
	task, err := f.svc.Inventory(t.Context(), req, sess, vm(mac))
	require.NoError(t, err)
	return sess, task
}

// phoneHomeToken is the phone-home token a seed's user-data carries.
func phoneHomeToken(t *testing.T, seed *agent.Seed) string {
	t.Helper()
	require.NotNil(t, seed)
	i := strings.Index(seed.UserData, PhoneHomePrefix)
	require.GreaterOrEqual(t, i, 0, "the seed carries a phone-home token")
	tok, _, _ := strings.Cut(seed.UserData[i:], "\n")
	return tok
}
