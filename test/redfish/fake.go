// Package redfish is a FAKE Redfish BMC for tests: a stateful emulator of
// the resources Slipway (through bmclib and gofish) uses — the service
// root, one ComputerSystem with PowerState, the Reset action and the Boot
// override, one Manager with a virtual CD (InsertMedia/EjectMedia), a
// Chassis, and SessionService sessions beside HTTP basic auth — served over
// HTTP or HTTPS on loopback. It is not a real BMC: it exists because no
// Redfish implementation runs here, and it is checked with Debian's
// redfishtool as an independent client so that it is not only tuned to our
// own code. Faults can be injected: ignore power, slow answers, refuse the
// password, go away, malformed JSON.
package redfish

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Faults.
const (
	FaultNone        = ""
	FaultIgnorePower = "ignore-power"
	FaultSlow        = "slow"
	FaultRefuseAuth  = "refuse-auth"
	FaultMalformed   = "malformed"
)

// State is the emulated server.
type State struct {
	Power      string // On | Off
	BootTarget string // None, Pxe, Hdd, Cd, BiosSetup
	BootOnce   string // Disabled, Once, Continuous
	BootMode   string // UEFI, Legacy
	MediaImage string
	Inserted   bool
	// Resets counts reset actions; MaxActive the most requests served at
	// once with a valid session (one operation at a time shows as 1).
	Resets    int
	Requests  int
	Active    int
	MaxActive int
}

// Fake is a running fake BMC.
type Fake struct {
	Username, Password string
	srv                *httptest.Server

	mu       sync.Mutex
	st       State
	fault    string
	slow     time.Duration
	sessions map[string]bool
}

// New starts a fake over HTTPS (tls true, self-signed) or HTTP.
func New(tls bool, username, password string) *Fake {
	f := &Fake{Username: username, Password: password, sessions: map[string]bool{},
		st: State{Power: "Off", BootTarget: "None", BootOnce: "Disabled", BootMode: "UEFI"}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	if tls {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	return f
}

// URL is the base URL (https://127.0.0.1:port).
func (f *Fake) URL() string { return f.srv.URL }

// Server is the underlying test server (its Certificate for a CA pool).
func (f *Fake) Server() *httptest.Server { return f.srv }

// Close stops the fake.
func (f *Fake) Close() { f.srv.Close() }

// GoAway drops every connection and stops accepting new ones (the BMC
// dropped off the network).
func (f *Fake) GoAway() {
	f.srv.CloseClientConnections()
	_ = f.srv.Listener.Close()
}

// SetFault injects a fault (slow is the delay of FaultSlow).
func (f *Fake) SetFault(fault string, slow time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault, f.slow = fault, slow
}

// State returns the emulated server's state.
func (f *Fake) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

// SetPower changes the power behind the BMC's back.
func (f *Fake) SetPower(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.Power = map[bool]string{true: "On", false: "Off"}[on]
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
