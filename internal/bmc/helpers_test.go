package bmc_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/bmc"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/store"
)

// rig is a store with machines whose BMCs are real simulators, and a
// Controller, Executor and PowerSync over them. Logs are captured.
type rig struct {
	db   *store.DB
	keys *secret.Keyring
	ctl  *bmc.Controller
	exec *bmc.Executor
	sync *bmc.PowerSync
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig keeps failures fast.
func testConfig() bmc.Config {
	return bmc.Config{CallTimeout: 3 * time.Second, OperationTimeout: 30 * time.Second, Retries: 1,
		BackoffBase: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		VerifyTimeout: 2 * time.Second, VerifyInterval: 100 * time.Millisecond}
}

func newRig(t *testing.T, cfg bmc.Config) *rig {
	t.Helper()
	return newRigCAs(t, cfg, nil)
}

// newRigCAs is newRig with CAs for Redfish BMC certificates.
func newRigCAs(t *testing.T, cfg bmc.Config, roots *x509.CertPool) *rig {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: "sqlite", Path: filepath.Join(t.TempDir(), "s.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	key := make([]byte, secret.KeySize)
	_, _ = rand.Read(key)
	keys, err := secret.New(key)
	require.NoError(t, err)
	logs := &syncBuffer{}
	secrets := bmc.NewSecrets()
	log := slog.New(secrets.Handler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	d := &bmc.BmclibDialer{CipherSuite: "3", RootCAs: roots, Secrets: secrets, Log: log}
	ctl := bmc.NewController(cfg, d, secrets, log)
	return &rig{db: db, keys: keys, ctl: ctl, logs: logs,
		exec: &bmc.Executor{DB: db, Keys: keys, Ctl: ctl, Log: log},
		sync: &bmc.PowerSync{DB: db, Keys: keys, Ctl: ctl, Log: log, Interval: time.Minute, Spread: -1,
			UnreachableAfter: 2, CallTimeout: 2 * time.Second}}
}

// addMachine declares a machine with a BMC and stores its credentials.
func (r *rig) addMachine(t *testing.T, name, address, user, password string) {
	t.Helper()
	spec, _ := json.Marshal(inventory.MachineSpec{MAC: fmt.Sprintf("52:54:00:00:%02x:%02x", len(name), time.Now().UnixNano()%250),
		BMC: &inventory.BMC{Address: address, CredentialsRef: name + "-bmc"}})
	sealed, err := r.keys.Seal([]byte(password), []byte(name+"-bmc"))
	require.NoError(t, err)
	err = r.db.Update(t.Context(), func(tx *store.Tx) error {
		if err := tx.CreateObject(&store.Object{Kind: string(inventory.KindMachine), Name: name, Spec: spec}); err != nil {
			return err
		}
		var ms inventory.MachineSpec
		_ = json.Unmarshal(spec, &ms)
		if err := tx.CreateMachine(&store.Machine{Name: name, MAC: ms.MAC, State: "registered", Power: bmc.PowerUnknown}); err != nil {
			return err
		}
		return tx.PutCredential(&store.Credential{Name: name + "-bmc", Username: user, Sealed: sealed})
	})
	require.NoError(t, err)
}

// run executes an action as the API would, recording the operation.
func (r *rig) run(t *testing.T, machine, action string, params map[string]string) error {
	t.Helper()
	op := store.Operation{ID: fmt.Sprintf("op_%s_%d", action, time.Now().UnixNano()), Machine: machine, Action: action,
		Actor: "token:test", Status: store.OpRunning}
	if params != nil {
		op.Params, _ = json.Marshal(params)
	}
	require.NoError(t, r.db.Update(t.Context(), func(tx *store.Tx) error { return tx.CreateOperation(&op) }))
	return r.exec.Execute(t.Context(), op)
}

func (r *rig) machine(t *testing.T, name string) store.Machine {
	t.Helper()
	var m store.Machine
	require.NoError(t, r.db.View(t.Context(), func(tx *store.Tx) (err error) { m, err = tx.GetMachine(name); return err }))
	return m
}

// events returns the machine's event types and messages in order.
func (r *rig) events(t *testing.T, name string) []store.Event {
	t.Helper()
	var es []store.Event
	require.NoError(t, r.db.View(context.WithoutCancel(t.Context()), func(tx *store.Tx) (err error) {
		es, err = tx.ListEvents(store.EventFilter{Machine: name})
		return err
	}))
	return es
}

func types(es []store.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Type
	}
	return out
}
