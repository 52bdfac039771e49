// Package bmc benchmarks BMC control against 100 real OpenIPMI ipmi_sim
// BMCs: powering all on with verification, and one power-sync sweep.
//
//	go test ./test/bench/bmc/ -run '^$' -bench . -benchtime 1x -v
package bmc

import (
	"context"
	"crypto/rand"
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
	"github.com/slipway-dev/slipway/test/ipmisim"
)

const n = 100

type setup struct {
	sims []*ipmisim.BMC
	db   *store.DB
	keys *secret.Keyring
	ctl  *bmc.Controller
}

func newSetup(b *testing.B) *setup {
	b.Helper()
	start := time.Now()
	sims := ipmisim.Start(b, n, "bench", ipmisim.Options{})
	b.Logf("started %d ipmi_sim BMCs in %s", n, time.Since(start).Round(time.Millisecond))
	db, err := store.Open(b.Context(), store.Config{Driver: "sqlite", Path: filepath.Join(b.TempDir(), "s.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	key := make([]byte, secret.KeySize)
	_, _ = rand.Read(key)
	keys, err := secret.New(key)
	require.NoError(b, err)
	err = db.Update(b.Context(), func(tx *store.Tx) error {
		for i, s := range sims {
			name := fmt.Sprintf("m-%03d", i)
			spec, _ := json.Marshal(inventory.MachineSpec{MAC: fmt.Sprintf("52:54:00:00:01:%02x", i),
				BMC: &inventory.BMC{Address: s.Address(), CredentialsRef: name}})
			sealed, err := keys.Seal([]byte(ipmisim.Password), []byte(name))
			if err != nil {
				return err
			}
			if err := tx.CreateObject(&store.Object{Kind: string(inventory.KindMachine), Name: name, Spec: spec}); err != nil {
				return err
			}
			if err := tx.CreateMachine(&store.Machine{Name: name, MAC: fmt.Sprintf("52:54:00:00:01:%02x", i),
				State: "registered", Power: bmc.PowerUnknown}); err != nil {
				return err
			}
			if err := tx.PutCredential(&store.Credential{Name: name, Username: ipmisim.Username, Sealed: sealed}); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(b, err)
	secrets := bmc.NewSecrets()
	log := slog.New(slog.DiscardHandler)
	ctl := bmc.NewController(bmc.Config{VerifyInterval: 100 * time.Millisecond},
		&bmc.BmclibDialer{CipherSuite: "3", Secrets: secrets, Log: log}, secrets, log)
	return &setup{sims: sims, db: db, keys: keys, ctl: ctl}
}

// BenchmarkPowerOn100 powers on 100 BMCs at once through the Executor
// (each: open session, power on, read back until on, record events).
// Target: < 10 s; no BMC ever runs two chassis calls at once.
func BenchmarkPowerOn100(b *testing.B) {
	s := newSetup(b)
	exec := &bmc.Executor{DB: s.db, Keys: s.keys, Ctl: s.ctl, Log: slog.New(slog.DiscardHandler)}
	for b.Loop() {
		for _, sim := range s.sims {
			require.NoError(b, sim.SetPower(false))
		}
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range s.sims {
			wg.Go(func() {
				errs[i] = exec.Execute(b.Context(), store.Operation{ID: fmt.Sprintf("op-%d-%d", i, time.Now().UnixNano()),
					Machine: fmt.Sprintf("m-%03d", i), Action: "power-on", Actor: "bench"})
			})
		}
		wg.Wait()
		took := time.Since(start)
		for i, err := range errs {
			require.NoError(b, err, "m-%03d", i)
		}
		b.ReportMetric(took.Seconds(), "s/100-power-on")
		fmt.Printf("power on %d ipmi_sim BMCs with verification: %s (target < 10s)\n", n, took.Round(time.Millisecond))
	}
	maxActive, calls := 0, 0
	for _, sim := range s.sims {
		st, err := sim.State()
		require.NoError(b, err)
		require.Equal(b, 1, st.Power)
		maxActive, calls = max(maxActive, st.MaxActive), calls+st.Calls
	}
	fmt.Printf("chassis_control: %d calls, at most %d at once on any BMC\n", calls, maxActive)
	require.LessOrEqual(b, maxActive, 1)
}

// BenchmarkPowerSyncSweep100 times one full power-sync sweep of 100 BMCs
// with no stagger (pure work) against the default 60 s interval.
func BenchmarkPowerSyncSweep100(b *testing.B) {
	s := newSetup(b)
	ps := &bmc.PowerSync{DB: s.db, Keys: s.keys, Ctl: s.ctl, Log: slog.New(slog.DiscardHandler), Spread: -1}
	ps.Sweep(context.Background()) // first sweep also reads inventory
	for b.Loop() {
		st := ps.Sweep(b.Context())
		require.Equal(b, n, st.OK, "%+v", st)
		b.ReportMetric(st.Duration.Seconds(), "s/sweep")
		fmt.Printf("power sync sweep of %d BMCs (power + SEL, concurrency %d): %s (interval %s)\n",
			n, bmc.DefaultSyncConcurrency, st.Duration.Round(time.Millisecond), bmc.DefaultSyncInterval)
	}
}
