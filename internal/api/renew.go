package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// RenewResponse answers POST /clusters/{name}/renew (operator; audited):
// when the renewal was requested. Each node fetches its new set on its next
// renewal check (within the hour) and restarts the units using it.
type RenewResponse struct {
	Cluster     string    `json:"cluster"`
	RequestedAt time.Time `json:"requestedAt"`
	Message     string    `json:"message"`
}

// RenewCluster asks for every node's certificates of cluster name to be
// renewed (operator; audited).
func (c *Client) RenewCluster(ctx context.Context, name string) (RenewResponse, error) {
	var out RenewResponse
	err := c.do(ctx, request{method: http.MethodPost, path: v1 + "/clusters/" + url.PathEscape(name) + "/renew"}, &out)
	return out, err
}
