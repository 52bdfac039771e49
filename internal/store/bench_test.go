package store_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/pgtest"
	"github.com/slipway-dev/slipway/internal/store"
)

// benchHardware is an inspected hardware report of a realistic size.
var benchHardware = json.RawMessage(`{"cpus":32,"memoryGiB":256,"disks":[{"name":"nvme0n1","sizeGiB":960,"type":"ssd",` +
	`"serial":"S4EVNX0R123456"},{"name":"sda","sizeGiB":3726,"type":"hdd","serial":"ZC1234AB"}],` +
	`"nics":[{"name":"eno1","mac":"52:54:00:12:34:56","speedMbps":25000}],"vendor":"Dell Inc.","product":"PowerEdge R650"}`)

func openBench(b *testing.B) *store.DB {
	b.Helper()
	cfg := store.Config{Driver: store.DriverSQLite, Path: filepath.Join(b.TempDir(), "slipway.db")}
	db, err := store.Open(b.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, db.Close()) })
	return db
}

// cpuTime is the process's user+system CPU time; benchmarks report it per
// operation beside the wall time, which other processes on a shared machine
// distort.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU starts measuring CPU time; the returned function reports it.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
	}
}

func benchMachine(i int) store.Machine {
	return store.Machine{
		Name: fmt.Sprintf("r%02d-u%03d", i/100, i%100), MAC: fmt.Sprintf("52:54:00:%02x:%02x:%02x", i>>16, (i>>8)&255, i&255),
		State: "active", Power: "on", Phase: "running", Hardware: benchHardware, Arch: "x86_64",
		UUID: fmt.Sprintf("4c4c4544-%08d", i),
	}
}

// BenchmarkListMachines10k lists all of 10,000 machines in a View (SQLite).
func BenchmarkListMachines10k(b *testing.B) { benchListMachines(b, openBench(b)) }

// BenchmarkListMachines10kPostgres is BenchmarkListMachines10k on
// PostgreSQL (its cpu-ns/op counts this process only, not the server).
func BenchmarkListMachines10kPostgres(b *testing.B) {
	dsn := pgtest.NewDatabase(b, pgtest.Start(b))
	db, err := store.Open(b.Context(), store.Config{Driver: store.DriverPostgres, DSN: dsn}, nil)
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, db.Close()) })
	benchListMachines(b, db)
}

func benchListMachines(b *testing.B, db *store.DB) {
	require.NoError(b, db.Update(b.Context(), func(tx *store.Tx) error {
		for i := range 10000 {
			m := benchMachine(i)
			if err := tx.CreateMachine(&m); err != nil {
				return err
			}
		}
		return nil
	}))
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		err := db.View(b.Context(), func(tx *store.Tx) error {
			ms, err := tx.ListMachines(store.MachineFilter{})
			if len(ms) != 10000 {
				b.Fatalf("got %d machines", len(ms))
			}
			return err
		})
		require.NoError(b, err)
	}
}

// BenchmarkUpdate3k creates 1,000 objects, 1,000 machines and 1,000 events
// in one Update (SQLite).
func BenchmarkUpdate3k(b *testing.B) {
	db := openBench(b)
	spec := json.RawMessage(`{"mac":"52:54:00:77:00:10","bmc":{"address":"ipmi://10.0.0.7:623","credentialsRef":"r1-bmc"}}`)
	n := 0
	defer reportCPU(b)()
	for b.Loop() {
		require.NoError(b, db.Update(b.Context(), func(tx *store.Tx) error {
			for i := range 1000 {
				m := benchMachine(n*1000 + i)
				o := store.Object{Kind: "Machine", Name: m.Name, Labels: map[string]string{"rack": "r1"}, Spec: spec}
				for _, err := range []error{
					tx.CreateObject(&o), tx.CreateMachine(&m),
					tx.AppendEvent(&store.Event{Machine: m.Name, Type: "state", To: "registered", Actor: "system"}),
				} {
					if err != nil {
						return err
					}
				}
			}
			return nil
		}))
		n++
	}
}

// BenchmarkAppendEvent commits one event per Update (SQLite, fsync per commit).
func BenchmarkAppendEvent(b *testing.B) {
	db := openBench(b)
	defer reportCPU(b)()
	for b.Loop() {
		require.NoError(b, db.Update(b.Context(), func(tx *store.Tx) error {
			return tx.AppendEvent(&store.Event{Machine: "r1-u07", Type: "dhcp.ack", Message: "10.0.0.7"})
		}))
	}
}

// BenchmarkListObjects10k lists 10,000 Machine objects in a View (SQLite).
func BenchmarkListObjects10k(b *testing.B) {
	db := openBench(b)
	spec := json.RawMessage(`{"mac":"52:54:00:77:00:10","bmc":{"address":"ipmi://10.0.0.7:623","credentialsRef":"r1-bmc"},` +
		`"hardware":{"cpus":32,"memoryGiB":256,"disks":[{"sizeGiB":960,"type":"ssd"}]},"image":"edge-os-1.4","cluster":"edge-1"}`)
	require.NoError(b, db.Update(b.Context(), func(tx *store.Tx) error {
		for i := range 10000 {
			o := store.Object{Kind: "Machine", Name: benchMachine(i).Name, Spec: spec,
				Labels: map[string]string{"rack": fmt.Sprintf("r%02d", i/100), "role": "worker"}}
			if err := tx.CreateObject(&o); err != nil {
				return err
			}
		}
		return nil
	}))
	defer reportCPU(b)()
	for b.Loop() {
		err := db.View(b.Context(), func(tx *store.Tx) error {
			objs, err := tx.ListObjects("Machine")
			if len(objs) != 10000 {
				b.Fatalf("got %d objects", len(objs))
			}
			return err
		})
		require.NoError(b, err)
	}
}
