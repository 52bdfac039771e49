package boot

import (
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	advertise = "http://198.18.0.1:8080"
	apiURL    = "https://198.18.0.1:8443"
	caPrint   = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	// Client addresses on the two declared networks and on none.
	onLab   = "198.18.0.50:40000" // network lab: discovery off
	onDisco = "198.18.1.50:40000" // network disco: discovery on
	onNone  = "203.0.113.5:40000"
)

// fixture is a boot server on a real store holding the example machines.
type fixture struct {
	srv                     *Server
	db                      *store.DB
	tftpRoot, agent, images string
}

// testMachine is a machine of the fixture: its MAC, network and state.
type testMachine struct {
	name, mac, network, state, failedStage, reason string
}

var testMachines = []testMachine{
	{"r1-u01", "52:54:00:77:00:01", "lab", "inspecting", "", ""},
	{"r1-u02", "52:54:00:77:00:02", "lab", "provisioning", "", ""},
	{"r1-u03", "52:54:00:77:00:03", "lab", "provisioned", "", ""},
	{"r1-u04", "52:54:00:77:00:04", "lab", "booting", "", ""},
	{"r1-u05", "52:54:00:77:00:05", "lab", "joining", "", ""},
	{"r1-u06", "52:54:00:77:00:06", "lab", "active", "", ""},
	{"r1-u07", "52:54:00:77:00:07", "lab", "maintenance", "", "replacing DIMM B2 (ticket 4411)"},
	{"r1-u08", "52:54:00:77:00:08", "lab", "registered", "", ""},
	{"r1-u09", "52:54:00:77:00:09", "lab", "ready", "", ""},
	{"r1-u10", "52:54:00:77:00:0a", "lab", "failed", "provisioning", "sha256 mismatch on edge-os-1.4 | ${evil} && reboot"},
	// Discovered machines are not declared: their network is found by the client's address.
	{"disc-5254007700b1", "52:54:00:77:00:b1", "", "discovered", "", ""},
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{tftpRoot: filepath.Join(base, "tftp"), agent: filepath.Join(base, "agent"), images: filepath.Join(base, "images")}
	for _, d := range []string{f.tftpRoot, f.agent, f.images} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	for _, name := range []string{"undionly.kpxe", "ipxe.efi", "snponly.efi"} {
		writeFile(t, filepath.Join(f.tftpRoot, name), 4096)
	}
	writeFile(t, filepath.Join(f.agent, "vmlinuz"), 300_000)
	writeFile(t, filepath.Join(f.agent, "initrd"), 700_000)
	writeFile(t, filepath.Join(f.images, "edge-os-1.4.raw"), 1<<20)
	writeFile(t, filepath.Join(base, "secret"), 10)
	require.NoError(t, os.Symlink(filepath.Join(base, "secret"), filepath.Join(f.images, "escape")))

	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(base, "slipway.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	f.db = db
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error { return seed(tx) }))
	f.srv, err = New(Config{AdvertiseURL: advertise + "/", APIURL: apiURL, CAFingerprint: caPrint,
		TFTPRoot: f.tftpRoot, AgentDir: f.agent, ImagesDir: f.images}, Deps{DB: db})
	require.NoError(t, err)
	t.Cleanup(f.srv.closeRoots)
	return f
}

// seed declares the networks lab (198.18.0.0/24, discovery off) and disco
// (198.18.1.0/24, discovery on) and the test machines in their states.
func seed(tx *store.Tx) error {
	for name, spec := range map[string]inventory.NetworkSpec{
		"lab":   {Subnet: "198.18.0.0/24"},
		"disco": {Subnet: "198.18.1.0/24", Discovery: true},
	} {
		if err := createObject(tx, inventory.KindNetwork, name, spec); err != nil {
			return err
		}
	}
	for _, tm := range testMachines {
		m := &store.Machine{Name: tm.name, MAC: tm.mac}
		state := machine.Registered
		if tm.network == "" {
			state = machine.Discovered
		} else if err := createObject(tx, inventory.KindMachine, tm.name,
			inventory.MachineSpec{MAC: tm.mac, Network: tm.network}); err != nil {
			return err
		}
		if err := machine.Create(tx, m, state, machine.Cause{Reason: "test", Actor: "system"}); err != nil {
			return err
		}
		m.State, m.FailedStage, m.StateReason = tm.state, tm.failedStage, tm.reason
		if err := tx.UpdateMachine(m, m.Revision); err != nil {
			return err
		}
	}
	return nil
}

func createObject(tx *store.Tx, kind inventory.Kind, name string, spec any) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return tx.CreateObject(&store.Object{Kind: string(kind), Name: name, Spec: b})
}

func writeFile(t testing.TB, path string, size int) {
	t.Helper()
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// get sends a GET through the handler from client (host:port).
func (f *fixture) get(t *testing.T, path, client string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
	r.RemoteAddr = client
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	return w
}

// events lists the events of machine ("" for appliance-wide ones) of type typ.
func (f *fixture) events(t *testing.T, machine, typ string) []store.Event {
	t.Helper()
	var evs []store.Event
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		evs, err = tx.ListEvents(store.EventFilter{Machine: machine, Type: typ})
		return err
	}))
	return evs
}

var tokenRE = regexp.MustCompile(`slwb_[A-Z2-7]{26}`)

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	require.Equal(t, string(want), string(got))
}
