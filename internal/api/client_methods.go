package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

const v1 = "/api/v1"

// MachineQuery filters GET /machines.
type MachineQuery struct {
	State    string
	Cluster  string
	Labels   []string // k=v, all must match
	Limit    int
	Continue string
}

func (q MachineQuery) values() url.Values {
	v := url.Values{}
	set(v, "state", q.State)
	set(v, "cluster", q.Cluster)
	for _, l := range q.Labels {
		v.Add("label", l)
	}
	setInt(v, "limit", int64(q.Limit))
	set(v, "continue", q.Continue)
	return v
}

// EventQuery filters GET /events.
type EventQuery struct {
	Machine string
	Type    string
	After   int64
	Limit   int
}

func (q EventQuery) values() url.Values {
	v := url.Values{}
	set(v, "machine", q.Machine)
	set(v, "type", q.Type)
	setInt(v, "after", q.After)
	setInt(v, "limit", int64(q.Limit))
	return v
}

// AuditQuery filters GET /audit.
type AuditQuery struct {
	Actor string
	After int64
	Limit int
}

func set(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

func setInt(v url.Values, k string, n int64) {
	if n != 0 {
		v.Set(k, strconv.FormatInt(n, 10))
	}
}

func get[T any](ctx context.Context, c *Client, path string, q url.Values) (T, error) {
	var out T
	err := c.do(ctx, request{method: http.MethodGet, path: path, query: q}, &out)
	return out, err
}

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (Version, error) {
	return get[Version](ctx, c, v1+"/version", nil)
}

// Whoami returns the caller's identity and role.
func (c *Client) Whoami(ctx context.Context) (Whoami, error) {
	return get[Whoami](ctx, c, v1+"/whoami", nil)
}

// Machines lists machines.
func (c *Client) Machines(ctx context.Context, q MachineQuery) (List[Machine], error) {
	return get[List[Machine]](ctx, c, v1+"/machines", q.values())
}

// Machine returns one machine with its latest events and operations.
func (c *Client) Machine(ctx context.Context, name string) (MachineDetail, error) {
	return get[MachineDetail](ctx, c, v1+"/machines/"+url.PathEscape(name), nil)
}

// Plural returns the API collection of an inventory kind ("networks").
func Plural(k inventory.Kind) string {
	if k == inventory.KindCredentials {
		return "credentials"
	}
	return strings.ToLower(string(k)) + "s"
}

// Objects lists the objects of a kind served as Object (Network, Image,
// Cluster, Fleet).
func (c *Client) Objects(ctx context.Context, kind inventory.Kind) (List[Object], error) {
	return get[List[Object]](ctx, c, v1+"/"+Plural(kind), nil)
}

// Object returns one object of kind.
func (c *Client) Object(ctx context.Context, kind inventory.Kind, name string) (Object, error) {
	return get[Object](ctx, c, v1+"/"+Plural(kind)+"/"+url.PathEscape(name), nil)
}

// Credentials lists credentials (never their secrets).
func (c *Client) Credentials(ctx context.Context) (List[Credentials], error) {
	return get[List[Credentials]](ctx, c, v1+"/credentials", nil)
}

// Credential returns one credentials entry.
func (c *Client) Credential(ctx context.Context, name string) (Credentials, error) {
	return get[Credentials](ctx, c, v1+"/credentials/"+url.PathEscape(name), nil)
}

// CreateCredentials stores a secret (sealed by the appliance).
func (c *Client) CreateCredentials(ctx context.Context, r CredentialsRequest) (Credentials, error) {
	var out Credentials
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/credentials", body: r}, &out)
	return out, err
}

// Plan computes what applying files would change.
func (c *Client) Plan(ctx context.Context, r PlanRequest) (PlanResponse, error) {
	var out PlanResponse
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/inventory/plan", body: r}, &out)
	return out, err
}

// Apply applies files; with Expect set it refuses (409) anything that
// differs from the reviewed plan.
func (c *Client) Apply(ctx context.Context, r ApplyRequest) (PlanResponse, error) {
	var out PlanResponse
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/inventory/apply", body: r}, &out)
	return out, err
}

// Delete deletes an inventory object (or a credentials entry with its
// secret). revision, when not 0, must equal the stored revision.
func (c *Client) Delete(ctx context.Context, kind inventory.Kind, name string, revision int64) error {
	q := url.Values{}
	setInt(q, "revision", revision)
	path := v1 + "/" + Plural(kind) + "/" + url.PathEscape(name)
	return c.do(ctx, request{method: http.MethodDelete, path: path, query: q}, nil)
}

// Events lists events in ID order.
func (c *Client) Events(ctx context.Context, q EventQuery) (List[store.Event], error) {
	return get[List[store.Event]](ctx, c, v1+"/events", q.values())
}

// Audit lists audit rows (admin).
func (c *Client) Audit(ctx context.Context, q AuditQuery) (List[store.Audit], error) {
	v := url.Values{}
	set(v, "actor", q.Actor)
	setInt(v, "after", q.After)
	setInt(v, "limit", int64(q.Limit))
	return get[List[store.Audit]](ctx, c, v1+"/audit", v)
}

// Tokens lists API tokens (admin; never their secrets).
func (c *Client) Tokens(ctx context.Context) (List[store.Token], error) {
	return get[List[store.Token]](ctx, c, v1+"/tokens", nil)
}

// CreateToken makes a token; the answer carries its secret, shown once.
func (c *Client) CreateToken(ctx context.Context, r TokenRequest) (TokenResponse, error) {
	var out TokenResponse
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/tokens", body: r}, &out)
	return out, err
}

// DeleteToken revokes a token by id.
func (c *Client) DeleteToken(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: v1 + "/tokens/" + url.PathEscape(id)}, nil)
}

// Action asks for a lifecycle or power action on a machine.
func (c *Client) Action(ctx context.Context, machine string, r ActionRequest) (OperationRef, error) {
	var out OperationRef
	path := fmt.Sprintf("%s/machines/%s/actions", v1, url.PathEscape(machine))
	err := c.do(ctx, request{method: http.MethodPost, path: path, body: r}, &out)
	return out, err
}

// Operation returns an operation by id.
func (c *Client) Operation(ctx context.Context, id string) (store.Operation, error) {
	return get[store.Operation](ctx, c, v1+"/operations/"+url.PathEscape(id), nil)
}

// Clusters lists the declared clusters with their status.
func (c *Client) Clusters(ctx context.Context) (List[Cluster], error) {
	return get[List[Cluster]](ctx, c, v1+"/clusters", nil)
}

// Cluster returns one declared cluster with its status.
func (c *Client) Cluster(ctx context.Context, name string) (Cluster, error) {
	return get[Cluster](ctx, c, v1+"/clusters/"+url.PathEscape(name), nil)
}

// ClusterStatus returns a cluster's last observed status.
func (c *Client) ClusterStatus(ctx context.Context, name string) (ClusterStatus, error) {
	return get[ClusterStatus](ctx, c, v1+"/clusters/"+url.PathEscape(name)+"/status", nil)
}

// Kubeconfig issues a short-lived cluster-admin kubeconfig of cluster name
// (admin; audited).
func (c *Client) Kubeconfig(ctx context.Context, name string, r KubeconfigRequest) (KubeconfigResponse, error) {
	var out KubeconfigResponse
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/clusters/" + url.PathEscape(name) + "/kubeconfig", body: r}, &out)
	return out, err
}

// Fleet returns the fleet view: every fleet with its clusters' health.
func (c *Client) Fleet(ctx context.Context) (FleetView, error) {
	return get[FleetView](ctx, c, v1+"/fleet", nil)
}
