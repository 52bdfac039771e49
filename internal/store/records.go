package store

import (
	"encoding/json"
	"errors"
	"time"
)

// Sentinel errors. Callers test with errors.Is; the wrapped message names
// the object ("Machine r1-u07: revision 3, expected 2: conflict").
var (
	// ErrNotFound means the row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means an optimistic-concurrency check failed or a unique
	// key (name, MAC, token id) is already taken.
	ErrConflict = errors.New("conflict")
)

// Object is a stored inventory object: the declared spec as canonical JSON,
// with a revision bumped by every update (optimistic concurrency).
type Object struct {
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels,omitempty"`
	Spec      json.RawMessage   `json:"spec"`
	Revision  int64             `json:"revision"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// Machine is a machine's observed status: its lifecycle state, power and
// inspected hardware. Its declared spec is the Machine Object of the same
// name (absent for discovered machines).
type Machine struct {
	Name string `json:"name"`
	// MAC is the boot MAC, lower case colon form; unique.
	MAC   string `json:"mac"`
	State string `json:"state"`
	// StateReason says why the machine is in State (always set for failed).
	StateReason string `json:"stateReason,omitempty"`
	// FailedStage is the state a failed machine failed in.
	FailedStage string `json:"failedStage,omitempty"`
	// HeldFrom is the state a machine in maintenance returns to.
	HeldFrom string `json:"heldFrom,omitempty"`
	// Power is on, off or unknown.
	Power string `json:"power"`
	// Phase is a short live description of what the machine is doing
	// ("dhcp", "installing 42%"), for the UI.
	Phase      string          `json:"phase,omitempty"`
	Conditions []Condition     `json:"conditions,omitempty"`
	Hardware   json.RawMessage `json:"hardware,omitempty"` // inspected, as reported by the agent
	// Discovery facts for machines that booted unannounced.
	Arch string `json:"arch,omitempty"`
	UUID string `json:"uuid,omitempty"`

	Revision       int64     `json:"revision"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	StateChangedAt time.Time `json:"stateChangedAt"`
}

// Condition is an observed fact about a machine that is not its state, such
// as bmc-unreachable.
type Condition struct {
	Type      string     `json:"type"`
	Reason    string     `json:"reason,omitempty"`
	Message   string     `json:"message,omitempty"`
	Since     time.Time  `json:"since"`
	NextRetry *time.Time `json:"nextRetry,omitempty"`
}

// Event is one append-only row of a machine's (or the appliance's) history.
type Event struct {
	ID   int64     `json:"id"`
	Time time.Time `json:"time"`
	// Machine is empty for appliance-wide events.
	Machine string `json:"machine,omitempty"`
	// Type is a dotted name: state, inventory.apply, dhcp.ack, power.on, ...
	Type    string `json:"type"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Cause is what led to the event (a trigger, a request, a timer).
	Cause string `json:"cause,omitempty"`
	// Actor is who caused it: token:<name>, user:<name>, system, agent.
	Actor string          `json:"actor,omitempty"`
	From  string          `json:"from,omitempty"`
	To    string          `json:"to,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// EventFilter selects events in ID order.
type EventFilter struct {
	Machine string
	Type    string // exact, or a prefix ending in "." ("power.")
	AfterID int64
	// BeforeID, when set, selects the newest events below it (descending
	// pages); results are still returned in ascending ID order.
	BeforeID int64
	Limit    int // 0 means the store default (500)
}

// Credential is an encrypted secret. Sealed is opaque to the store: the
// secret package seals and opens it.
type Credential struct {
	Name      string    `json:"name"`
	Username  string    `json:"username"`
	Sealed    []byte    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Token is an API token. Only the hash of the secret part is stored.
type Token struct {
	ID        string     `json:"id"` // public, unique
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Hash      []byte     `json:"-"`
	CreatedBy string     `json:"createdBy,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// Audit is one mutation attempt: who, what, and the result.
type Audit struct {
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // "POST /api/v1/inventory/apply"
	Target string    `json:"target,omitempty"`
	Result string    `json:"result"` // "ok" or the error
	Status int       `json:"status"` // HTTP status
	Detail string    `json:"detail,omitempty"`
}

// AuditFilter selects audit rows in ID order.
type AuditFilter struct {
	Actor   string
	AfterID int64
	Limit   int
}

// Operation is an asynchronous action on a machine (power on, inspect, ...).
type Operation struct {
	ID        string          `json:"id"`
	Machine   string          `json:"machine"`
	Action    string          `json:"action"`
	Params    json.RawMessage `json:"params,omitempty"`
	Status    string          `json:"status"` // pending | running | succeeded | failed
	Message   string          `json:"message,omitempty"`
	Actor     string          `json:"actor"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// Operation statuses.
const (
	OpPending   = "pending"
	OpRunning   = "running"
	OpSucceeded = "succeeded"
	OpFailed    = "failed"
)

// MachineFilter selects machines ordered by name.
type MachineFilter struct {
	State string
	After string // name to continue after (pagination)
	Limit int    // 0 means all
}
