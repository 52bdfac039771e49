// Package api is Slipway's REST API contract (/api/v1): the JSON types the
// server sends and receives, and a Go client for them used by the CLI (and by
// the Terraform provider). It does not import the server.
package api

import (
	"encoding/json"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Roles, least to most privileged. A role includes every role before it.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// Error is every error response body: {"error": "...", "field": "..."}.
// Field names the offending field when there is one (a JSON field, a query
// parameter, or an inventory path "site/rack1.yaml: Machine r1-u07:
// spec.mac"). Errors carries every inventory problem when there are several.
type Error struct {
	Message string                 `json:"error"`
	Field   string                 `json:"field,omitempty"`
	Errors  []inventory.FieldError `json:"errors,omitempty"`
	// Status is the HTTP status (filled in by the client, not sent).
	Status int `json:"-"`
}

func (e *Error) Error() string {
	if e.Field != "" && len(e.Errors) == 0 {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// List is a page of items. Continue, when set, is passed back as ?continue=
// to get the next page.
type List[T any] struct {
	Items    []T    `json:"items"`
	Continue string `json:"continue,omitempty"`
}

// Machine is a machine as the API shows it: observed status joined with its
// declared spec (nil for a discovered machine nobody adopted yet).
type Machine struct {
	Name           string                 `json:"name"`
	MAC            string                 `json:"mac"`
	State          string                 `json:"state"`
	StateReason    string                 `json:"stateReason,omitempty"`
	FailedStage    string                 `json:"failedStage,omitempty"`
	Power          string                 `json:"power"`
	Phase          string                 `json:"phase,omitempty"`
	Labels         map[string]string      `json:"labels,omitempty"`
	Spec           *inventory.MachineSpec `json:"spec,omitempty"`
	Conditions     []store.Condition      `json:"conditions,omitempty"`
	Hardware       json.RawMessage        `json:"hardware,omitempty"`
	Revision       int64                  `json:"revision"` // the Machine object's revision (0 when undeclared)
	CreatedAt      time.Time              `json:"createdAt"`
	UpdatedAt      time.Time              `json:"updatedAt"`
	StateChangedAt time.Time              `json:"stateChangedAt"`
	// Allowed are the lifecycle triggers the current state accepts.
	Allowed []string `json:"allowed,omitempty"`
}

// MachineDetail is GET /machines/{name}: the machine, its latest events and
// operations.
type MachineDetail struct {
	Machine
	Events     []store.Event     `json:"events"`
	Operations []store.Operation `json:"operations,omitempty"`
}

// Object is any other inventory object (network, image, cluster, fleet,
// credentials) as stored.
type Object struct {
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels,omitempty"`
	Spec      json.RawMessage   `json:"spec"`
	Revision  int64             `json:"revision"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// PlanRequest is POST /inventory/plan.
type PlanRequest struct {
	Files []inventory.File `json:"files"`
	Prune bool             `json:"prune,omitempty"`
}

// ApplyRequest is POST /inventory/apply. Expect is the reviewed plan's
// revisions (from PlanResponse): with it, the server refuses with 409 when
// anything differs from what was reviewed.
type ApplyRequest struct {
	Files  []inventory.File        `json:"files"`
	Prune  bool                    `json:"prune,omitempty"`
	Expect []inventory.Expectation `json:"expect,omitempty"`
}

// PlanResponse is the answer to plan and apply.
type PlanResponse struct {
	Plan    inventory.Plan `json:"plan"`
	Applied bool           `json:"applied"`
}

// ActionRequest is POST /machines/{name}/actions.
type ActionRequest struct {
	Action string            `json:"action"`
	Params map[string]string `json:"params,omitempty"`
}

// OperationRef is the 202 answer to an action.
type OperationRef struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// CredentialsRequest is POST /credentials. The password is never returned.
type CredentialsRequest struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// Credentials is one credentials entry as listed: the union of declared
// Credentials objects and stored secrets. The secret itself is never sent.
type Credentials struct {
	Name      string    `json:"name"`
	Username  string    `json:"username,omitempty"`
	Declared  bool      `json:"declared"`  // a Credentials inventory object exists
	HasSecret bool      `json:"hasSecret"` // a secret was stored with create credentials
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// TokenRequest is POST /tokens (admin).
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// TTL is a Go duration; empty means no expiry.
	TTL string `json:"ttl,omitempty"`
}

// TokenResponse carries the new token's secret, shown once.
type TokenResponse struct {
	Info  store.Token `json:"info"`
	Token string      `json:"token"`
}

// Version is GET /version (and the CLI's version command).
type Version struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Store   string `json:"store,omitempty"`
}

// Whoami is GET /whoami: the caller's identity and role.
type Whoami struct {
	Actor string `json:"actor"`
	Role  string `json:"role"`
}
