package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client timeouts.
const (
	// RequestTimeout bounds one ordinary request (not an event stream).
	RequestTimeout = 60 * time.Second
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
)

// Client calls the Slipway API. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	// http serves ordinary requests (with RequestTimeout); stream serves
	// event streams, bounded only by their context.
	http   *http.Client
	stream *http.Client
	// retryDelay is the first wait before FollowEvents reconnects.
	retryDelay time.Duration
}

// New returns a client for server (https://host:port) authenticating with
// token. caPEM, when not empty, is the only CA trusted (the appliance's own);
// otherwise the system roots are used.
func New(server, token string, caPEM []byte) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("server %q: want https://host[:port]", server)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("CA: no PEM certificate found")
		}
		tlsCfg.RootCAs = pool
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{
		base: u, token: token,
		http:       &http.Client{Transport: tr, Timeout: RequestTimeout},
		stream:     &http.Client{Transport: tr},
		retryDelay: time.Second,
	}, nil
}

// Server returns the base URL.
func (c *Client) Server() string { return c.base.String() }

// request is one API call.
type request struct {
	method string
	path   string // below the base URL, with its leading slash
	query  url.Values
	body   any
	header http.Header
}

// newRequest builds an authenticated HTTP request.
func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + r.path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	return req, nil
}

// do sends r and decodes a 2xx JSON answer into out (when not nil). A non-2xx
// answer is an *Error with its Status.
func (c *Client) do(ctx context.Context, r request, out any) error {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)
	}
	// Read the rest (the encoder's final newline): closing an unread HTTP/2
	// body resets the stream while the server may still be writing it.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return nil
}

// decodeError turns a non-2xx response into an *Error.
func decodeError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Status: resp.StatusCode}
	if json.Unmarshal(body, e) != nil || e.Message == "" {
		msg := strings.TrimSpace(string(body))
		if msg == "" || len(msg) > 200 {
			msg = http.StatusText(resp.StatusCode)
		}
		e.Message = fmt.Sprintf("%s (HTTP %d)", msg, resp.StatusCode)
	}
	return e
}

// IsStatus reports whether err is an *Error with the given HTTP status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
