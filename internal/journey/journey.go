// Package journey carries a machine from powered off to booted from disk
// (design §2 steps 2-6) on the appliance's side. Its Service answers the
// agent (claim, inventory, progress, result) and the installed OS's
// phone-home, deciding with the BOM check and the machine's declared image
// what the agent does next; its Worker follows the state changes in the
// event log and carries out their effects through the BMC (network boot and
// power on for an inspection or an install, disk boot and reset once the
// image is installed). Decisions are transitions of package machine; every
// step is an event on the machine's timeline.
package journey

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/slipway-dev/slipway/internal/boot"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults.
const (
	DefaultSessionTTL   = 2 * time.Hour
	DefaultPhoneHomeTTL = 24 * time.Hour
	// DuplicateWindow is how long after a claim a second claim for the
	// same machine is taken for a second machine with the same MAC (and
	// refused) rather than the agent starting again.
	DuplicateWindow = 5 * time.Minute
	// PhoneHomePrefix starts every phone-home token.
	PhoneHomePrefix = "slwp_"
	// PhoneHomePath is the boot server's phone-home route (token follows).
	PhoneHomePath = "/boot/phone-home/"
)

// Config configures the service.
type Config struct {
	SessionTTL   time.Duration
	PhoneHomeTTL time.Duration
	// BootURL is how machines reach the boot HTTP server; empty: http://
	// <the host the agent reached the API on>:BootPort.
	BootURL  string
	BootPort string
	// SSHKeys are authorized on every installed machine (cloud-init).
	SSHKeys []string
	// Clusters renders the node bundle of a machine that declares a
	// cluster (package fleet); nil: such machines fail their install.
	Clusters Clusters
	// APIURL is how a cluster node reaches the API to renew its
	// certificates; empty: https://<the host:port the agent reached>.
	APIURL string
	// CAPEM is the appliance's CA, the one a node trusts for renewal;
	// empty (api.insecure): the nodes get no renewal token.
	CAPEM []byte
}

// Clusters renders what a cluster member's seed carries and renews its
// certificates.
type Clusters interface {
	NodeSeed(tx *store.Tx, machine, cluster string) (*fleet.NodeSeed, error)
	Renewal(tx *store.Tx, machine string, req fleet.RenewRequest) (*fleet.Renewal, error)
}

// Service answers the agent and the installed OS.
type Service struct {
	cfg Config
	db  *store.DB
	log *slog.Logger
}

// New builds the service.
func New(cfg Config, db *store.DB, log *slog.Logger) (*Service, error) {
	if db == nil {
		return nil, errors.New("journey: store is required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.PhoneHomeTTL <= 0 {
		cfg.PhoneHomeTTL = DefaultPhoneHomeTTL
	}
	if cfg.BootPort == "" {
		cfg.BootPort = "8080"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, db: db, log: log}, nil
}

// Error is a refusal the API answers with Status and an agent.Error body.
type Error struct {
	Status int
	Field  string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func refuse(status int, field, format string, args ...any) error {
	return &Error{Status: status, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Request is what the HTTP layer knows about a call.
type Request struct {
	// Addr is the client's address; Host the host:port it asked for.
	Addr string
	Host string
}

// hash is how every token is stored and looked up (the boot tokens' rule).
func hash(token string) []byte { return boot.HashToken(token) }

func newToken(prefix string) string { return prefix + rand.Text() }

// session authenticates an agent session token and returns its machine.
func session(tx *store.Tx, token string) (store.Machine, error) {
	s, err := tx.GetAgentSession(store.AgentSessionAgent, hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Machine{}, refuse(401, "Authorization", "the agent session is not valid: %v", err)
	}
	if err != nil {
		return store.Machine{}, err
	}
	return tx.GetMachine(s.Machine)
}

// machineSpec reads the machine's declared spec (zero for a discovered
// machine, which has no Machine object).
func machineSpec(tx *store.Tx, name string) (inventory.MachineSpec, error) {
	var spec inventory.MachineSpec
	o, err := tx.GetObject(string(inventory.KindMachine), name)
	if errors.Is(err, store.ErrNotFound) {
		return spec, nil
	}
	if err != nil {
		return spec, err
	}
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return spec, fmt.Errorf("machine %s: spec: %w", name, err)
	}
	return spec, nil
}

// bootBase is the boot server's URL as the machine reaches it.
func (s *Service) bootBase(r Request) string {
	if s.cfg.BootURL != "" {
		return s.cfg.BootURL
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, s.cfg.BootPort)}).String()
}

// event appends a machine event of the agent.
func event(tx *store.Tx, m, typ, reason, msg string, data any) error {
	e := &store.Event{Machine: m, Type: typ, Reason: reason, Message: msg, Actor: "agent"}
	if data != nil {
		e.Data, _ = json.Marshal(data)
	}
	return tx.AppendEvent(e)
}

// update runs fn in a write transaction.
func (s *Service) update(ctx context.Context, fn func(*store.Tx) error) error {
	return s.db.Update(ctx, fn)
}

// HTTPStatus is the status a refusal is answered with.
func (e *Error) HTTPStatus() int { return e.Status }

// BootPhoneHome adapts the service to the boot server's phone-home route.
type BootPhoneHome struct{ S *Service }

// PhoneHome implements boot.PhoneHomer.
func (b BootPhoneHome) PhoneHome(ctx context.Context, addr, host, token string, fields map[string]string) error {
	return b.S.PhoneHome(ctx, Request{Addr: addr, Host: host}, token, fields)
}
