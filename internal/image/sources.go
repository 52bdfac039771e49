package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
)

// Timeouts of the default fetch client (the whole fetch is bounded by
// Config.FetchTimeout).
const (
	dialTimeout     = 10 * time.Second
	headerTimeout   = 30 * time.Second
	signatureBudget = time.Minute
)

func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout}).DialContext,
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: headerTimeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       time.Minute,
	}}
}

// source is an open image source and what releases it.
type source struct {
	r     io.Reader
	close func()
}

// open opens spec's declared source: the file on the appliance or the
// http(s) URL (fetched within FetchTimeout, at most MaxBytes).
func (c *Catalogue) open(ctx context.Context, spec inventory.ImageSpec) (source, error) {
	if spec.File != "" {
		f, err := os.Open(spec.File)
		if err != nil {
			return source{}, err
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			_ = f.Close()
			return source{}, fmt.Errorf("%s is not a regular file", spec.File)
		}
		return source{r: f, close: func() { _ = f.Close() }}, nil
	}
	if spec.URL == "" {
		return source{}, errors.New("no source declared (set spec.url or spec.file, or push the content)")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.FetchTimeout)
	body, err := c.get(ctx, spec.URL, c.cfg.MaxBytes)
	if err != nil {
		cancel()
		return source{}, err
	}
	return source{r: body, close: func() { _ = body.Close(); cancel() }}, nil
}

// get fetches an http(s) URL, refusing a body declared larger than limit.
func (c *Catalogue) get(ctx context.Context, rawURL string, limit int64) (io.ReadCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: HTTP %d", u.Redacted(), resp.StatusCode)
	}
	if resp.ContentLength > limit {
		_ = resp.Body.Close()
		return nil, refused("%s is %d bytes, over the limit of %d", u.Redacted(), resp.ContentLength, limit)
	}
	return resp.Body, nil
}

// signature reads the detached signature: signature.url, else the
// image's URL or file with ".sig" appended.
func (c *Catalogue) signature(ctx context.Context, spec inventory.ImageSpec) ([]byte, error) {
	loc := spec.Signature.URL
	switch {
	case loc == "" && spec.URL != "":
		loc = spec.URL + ".sig"
	case loc == "":
		b, err := readLimited(spec.File + ".sig")
		if err != nil {
			return nil, fmt.Errorf("read signature: %w", err)
		}
		return b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, signatureBudget)
	defer cancel()
	body, err := c.get(ctx, loc, maxSignatureBytes)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	defer body.Close()
	return readAtMost(body)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAtMost(f)
}

func readAtMost(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSignatureBytes+1))
	if err == nil && len(b) > maxSignatureBytes {
		return nil, refused("the signature is over %d bytes", maxSignatureBytes)
	}
	return b, err
}
