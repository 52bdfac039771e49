package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/slipway-dev/slipway/internal/store"
)

// ImageStatuses returns the image catalogue's status of every image.
func (c *Client) ImageStatuses(ctx context.Context) (List[store.ImageStatus], error) {
	return get[List[store.ImageStatus]](ctx, c, v1+"/image-status", nil)
}

// ImageStatus returns one declared image's status (pending before import).
func (c *Client) ImageStatus(ctx context.Context, name string) (store.ImageStatus, error) {
	return get[store.ImageStatus](ctx, c, v1+"/images/"+url.PathEscape(name)+"/status", nil)
}

// PushImage uploads size bytes of body as the content of the declared
// image name; the appliance verifies it against the declared format,
// sha256 and signature before it is ready. No request timeout applies
// (an image may take long); ctx bounds it.
func (c *Client) PushImage(ctx context.Context, name string, body io.Reader, size int64) (store.ImageStatus, error) {
	path := v1 + "/images/" + url.PathEscape(name) + "/content"
	req, err := c.newRequest(ctx, request{method: http.MethodPut, path: path})
	if err != nil {
		return store.ImageStatus{}, err
	}
	req.Body, req.ContentLength = io.NopCloser(body), size
	req.GetBody = nil
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.stream.Do(req)
	if err != nil {
		return store.ImageStatus{}, fmt.Errorf("PUT %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return store.ImageStatus{}, decodeError(resp)
	}
	var st store.ImageStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("PUT %s: decode answer: %w", path, err)
	}
	return st, nil
}
