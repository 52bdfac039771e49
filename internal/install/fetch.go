package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// resumable reads an HTTP resource as one stream; when the connection
// breaks (reset, server gone, body shorter than announced) it asks again
// with a Range request from the offset it reached, up to maxResumes times.
type resumable struct {
	ctx        context.Context
	client     *http.Client
	url        string
	size       int64 // expected total (0: unknown until the first answer)
	off        int64
	body       io.ReadCloser
	broken     error // why the last connection ended early
	resumes    int
	maxResumes int
	backoff    time.Duration
	onResume   func(off int64, err error)
}

func (r *resumable) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			if r.broken != nil {
				if err := r.waitResume(r.broken); err != nil {
					return 0, err
				}
				r.broken = nil
			}
			if err := r.open(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF && (r.size == 0 || r.off == r.size):
			return n, io.EOF
		case err == io.EOF && r.off > r.size:
			return n, fmt.Errorf("image stream: %d bytes received, more than its size %d", r.off, r.size)
		case err == io.EOF:
			err = io.ErrUnexpectedEOF // a body shorter than the image
		}
		r.drop()
		r.broken = err
		if n > 0 {
			return n, nil // deliver what arrived; the next Read resumes
		}
	}
}

func (r *resumable) drop() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

// Close releases the current connection.
func (r *resumable) Close() error {
	r.drop()
	return nil
}

// waitResume counts a resume after err, or fails when they are used up.
func (r *resumable) waitResume(cause error) error {
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	if r.resumes >= r.maxResumes {
		return fmt.Errorf("image stream broke at byte %d after %d resumes: %w", r.off, r.resumes, cause)
	}
	r.resumes++
	if r.onResume != nil {
		r.onResume(r.off, cause)
	}
	wait := r.backoff << min(r.resumes-1, 5)
	select {
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// open sends the GET (with a Range once past the start) and checks the
// answer. A failed open counts as a break and is resumed.
func (r *resumable) open() error {
	for {
		body, err := r.get()
		if err == nil {
			r.body = body
			return nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			return fatal.err
		}
		if rerr := r.waitResume(err); rerr != nil {
			return rerr
		}
	}
}

// fatalError is an answer that a retry would not change (404, a server
// that ignores Range, a mismatched Content-Range).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

func (r *resumable) get() (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, &fatalError{fmt.Errorf("image URL %q: %w", r.url, err)}
	}
	if r.off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", r.off))
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	if err := r.check(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// check validates the status and, for a resume, the Content-Range.
func (r *resumable) check(resp *http.Response) error {
	switch {
	case resp.StatusCode >= 500:
		return fmt.Errorf("GET %s: HTTP %d", r.url, resp.StatusCode)
	case r.off == 0 && resp.StatusCode == http.StatusOK:
		if r.size == 0 && resp.ContentLength > 0 {
			r.size = resp.ContentLength
		}
		if r.size > 0 && resp.ContentLength >= 0 && resp.ContentLength != r.size {
			return &fatalError{fmt.Errorf("GET %s: Content-Length %d, the image's size is %d", r.url, resp.ContentLength, r.size)}
		}
		return nil
	case r.off > 0 && resp.StatusCode == http.StatusPartialContent:
		start, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != r.off || (r.size > 0 && total != r.size) {
			return &fatalError{fmt.Errorf("GET %s: resume at byte %d: Content-Range %q does not match (size %d)",
				r.url, r.off, resp.Header.Get("Content-Range"), r.size)}
		}
		return nil
	case r.off > 0 && resp.StatusCode == http.StatusOK:
		return &fatalError{fmt.Errorf("GET %s: resume at byte %d: the server ignored the Range request", r.url, r.off)}
	}
	return &fatalError{fmt.Errorf("GET %s: HTTP %d", r.url, resp.StatusCode)}
}

// parseContentRange parses "bytes START-END/TOTAL" (TOTAL may be *: -1).
func parseContentRange(v string) (start, total int64, err error) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	rng, tot, ok2 := strings.Cut(rest, "/")
	first, _, ok3 := strings.Cut(rng, "-")
	if !ok || !ok2 || !ok3 {
		return 0, 0, fmt.Errorf("content-range %q", v)
	}
	if start, err = strconv.ParseInt(first, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("content-range %q: %w", v, err)
	}
	if tot == "*" {
		return start, -1, nil
	}
	if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("content-range %q: %w", v, err)
	}
	return start, total, nil
}
