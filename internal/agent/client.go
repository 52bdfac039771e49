package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ClientConfig configures a Client. Zero fields take the defaults below.
type ClientConfig struct {
	URL string   // the API base URL (slipway.url)
	CA  [32]byte // sha256 of the appliance CA certificate's DER (slipway.ca)
	Log *slog.Logger
	// Attempts bounds the tries of one request (default 8); network errors
	// and 5xx answers are retried with exponential backoff from Backoff
	// (default 500ms) up to MaxBackoff (default 15s). 4xx are not retried.
	Attempts   int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one attempt (default 30s).
	Timeout time.Duration
	// Now is the clock used to check certificate validity (default
	// time.Now; a clock that was never set, before 2020, is replaced by the
	// leaf's NotBefore: a ramdisk may boot without a real-time clock).
	Now func() time.Time
}

// Client talks to the appliance's agent API over HTTPS, trusting only a
// server whose chain holds the pinned CA and whose leaf that CA signed.
type Client struct {
	cfg  ClientConfig
	http *http.Client
	log  *slog.Logger

	mu      sync.Mutex
	session string
}

// APIError is a non-2xx answer of the appliance.
type APIError struct {
	Status int
	Body   Error
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("HTTP %d: %s", e.Status, e.Body.Error)
	if e.Body.Field != "" {
		msg += " (field " + e.Body.Field + ")"
	}
	return msg
}

// NewClient returns a Client for cfg.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Attempts <= 0 {
		cfg.Attempts = 8
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 15 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The chain is checked by verifyPinned instead: machines reach
			// the appliance by IP, so there is no name to verify.
			InsecureSkipVerify:    true, //nolint:gosec // pinned CA below
			VerifyPeerCertificate: pinnedVerifier(cfg.CA, cfg.Now),
		},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
	}
	return &Client{cfg: cfg, log: cfg.Log, http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
}

// pinnedVerifier accepts a chain when one of its certificates has the
// pinned fingerprint and the leaf verifies against that certificate.
func pinnedVerifier(pin [32]byte, now func() time.Time) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("tls: the server sent no certificate")
		}
		certs := make([]*x509.Certificate, 0, len(raw))
		for i, der := range raw {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return fmt.Errorf("tls: certificate %d: %w", i, err)
			}
			certs = append(certs, c)
		}
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		pinned := false
		for _, c := range certs {
			if sha256.Sum256(c.Raw) == pin {
				roots.AddCert(c)
				pinned = true
			} else {
				inter.AddCert(c)
			}
		}
		if !pinned {
			return fmt.Errorf("tls: no certificate in the server's chain has the pinned CA fingerprint sha256:%x", pin)
		}
		t := now()
		if t.Year() < 2020 {
			t = certs[0].NotBefore.Add(time.Second)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{
			Roots: roots, Intermediates: inter, CurrentTime: t,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			return fmt.Errorf("tls: the server's certificate does not verify against the pinned CA: %w", err)
		}
		return nil
	}
}

// Session is the session token of the last claim ("" before).
func (c *Client) Session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// SetSession sets the session token (a resumed agent that already claimed).
func (c *Client) SetSession(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.session = s
}

// Claim exchanges the one-time boot token for a session, kept by the
// Client for the following requests.
func (c *Client) Claim(ctx context.Context, req ClaimRequest) (ClaimResponse, error) {
	var resp ClaimResponse
	if err := c.Do(ctx, PathClaim, req, &resp); err != nil {
		return resp, fmt.Errorf("claim: %w", err)
	}
	if resp.Session == "" {
		return resp, errors.New("claim: the answer has no session")
	}
	c.SetSession(resp.Session)
	return resp, nil
}

// Inventory reports the hardware and returns the task to carry out.
func (c *Client) Inventory(ctx context.Context, inv Inventory) (Task, error) {
	var task Task
	if err := c.Do(ctx, PathInventory, inv, &task); err != nil {
		return task, fmt.Errorf("inventory: %w", err)
	}
	return task, nil
}

// Progress reports progress (one attempt: the next report follows soon).
func (c *Client) Progress(ctx context.Context, p Progress) error {
	if err := c.attempt(ctx, PathProgress, p, nil); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

// Result reports the end of an action and returns the next task.
func (c *Client) Result(ctx context.Context, r Result) (Task, error) {
	var task Task
	if err := c.Do(ctx, PathResult, r, &task); err != nil {
		return task, fmt.Errorf("result: %w", err)
	}
	return task, nil
}

// Do POSTs in as JSON to path and decodes the answer into out (nil: the
// body is discarded). Network errors and 5xx answers are retried with
// backoff; a 4xx answer is returned at once as an *APIError.
func (c *Client) Do(ctx context.Context, path string, in, out any) error {
	wait := c.cfg.Backoff
	var err error
	for try := 1; ; try++ {
		err = c.attempt(ctx, path, in, out)
		if err == nil || !retryable(err) || try >= c.cfg.Attempts {
			return err
		}
		c.log.Warn("agent API request failed; retrying", "path", path, "attempt", try, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, c.cfg.MaxBackoff)
	}
}

// retryable reports whether err may pass on a later attempt.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Status >= 500
	}
	var dec *decodeError
	return !errors.As(err, &dec)
}

// decodeError is a 2xx answer whose body is not the expected JSON.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode answer: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// attempt makes one request.
func (c *Client) attempt(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("request %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if s := c.Session(); s != "" {
		req.Header.Set("Authorization", "Bearer "+s)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		api := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(data, &api.Body) != nil || api.Body.Error == "" {
			api.Body.Error = strings.TrimSpace(string(data))
		}
		return api
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &decodeError{err}
	}
	return nil
}
