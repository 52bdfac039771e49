package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slipway-dev/slipway/internal/store"
)

// Site is an appliance-run Terraform root module (configured under
// infra.sites) with its latest run.
type Site struct {
	Name    string           `json:"name"`
	Module  string           `json:"module"`
	LastRun *store.InfraRun  `json:"lastRun,omitempty"`
	Drift   *store.InfraRun  `json:"drift,omitempty"` // the latest drift check
	Lock    *store.TFLock    `json:"lock,omitempty"`  // the held state lock, if any
	Vars    map[string]any   `json:"vars,omitempty"`
	Runs    []store.InfraRun `json:"runs,omitempty"`
}

// SiteApplyRequest is POST /sites/{name}/apply: the reviewed plan's ID.
type SiteApplyRequest struct {
	PlanID string `json:"planId"`
}

// Sites lists the configured sites.
func (c *Client) Sites(ctx context.Context) (List[Site], error) {
	return get[List[Site]](ctx, c, v1+"/sites", nil)
}

// Site returns a site with its recent runs.
func (c *Client) Site(ctx context.Context, name string) (Site, error) {
	return get[Site](ctx, c, v1+"/sites/"+url.PathEscape(name), nil)
}

// SiteRun returns one run (plan, apply or drift check) with its diff and output.
func (c *Client) SiteRun(ctx context.Context, site, id string) (store.InfraRun, error) {
	return get[store.InfraRun](ctx, c, v1+"/sites/"+url.PathEscape(site)+"/runs/"+url.PathEscape(id), nil)
}

// PlanSite runs terraform plan for a site and returns the saved plan's run.
func (c *Client) PlanSite(ctx context.Context, site string) (store.InfraRun, error) {
	var out store.InfraRun
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/sites/" + url.PathEscape(site) + "/plan"}, &out)
	return out, err
}

// ApplySite applies exactly the saved plan planID (409 when it is stale).
func (c *Client) ApplySite(ctx context.Context, site, planID string) (store.InfraRun, error) {
	var out store.InfraRun
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/sites/" + url.PathEscape(site) + "/apply",
		body: SiteApplyRequest{PlanID: planID}}, &out)
	return out, err
}

// TFStateLock returns the lock held on a Terraform state (404 when none).
func (c *Client) TFStateLock(ctx context.Context, name string) (store.TFLock, error) {
	return get[store.TFLock](ctx, c, v1+"/tfstate/"+url.PathEscape(name)+"/lock", nil)
}

// ForceUnlockTFState releases a state's lock whoever holds it (admin).
func (c *Client) ForceUnlockTFState(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: v1 + "/tfstate/" + url.PathEscape(name) + "/lock"}, nil)
}

// GetTFState returns the latest version of a Terraform state.
func (c *Client) GetTFState(ctx context.Context, name string) (json.RawMessage, error) {
	return get[json.RawMessage](ctx, c, v1+"/tfstate/"+url.PathEscape(name), nil)
}

// PutTFState stores a new version of a Terraform state (which must not be
// locked by someone else).
func (c *Client) PutTFState(ctx context.Context, name string, state json.RawMessage) error {
	return c.do(ctx, request{method: http.MethodPost, path: v1 + "/tfstate/" + url.PathEscape(name), body: state}, nil)
}
