package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(handler("node-a"))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/", 200, "probe node-a\n"},
		{"GET", "/healthz", 200, "ok\n"},
		{"GET", "/nope", 404, ""},
		{"POST", "/", 405, ""},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.body != "" {
				var b bytes.Buffer
				_, err = b.ReadFrom(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, tc.body, b.String())
			}
		})
	}
}

// TestGetRetries: the server fails twice, then answers; get prints the body.
func TestGetRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("probe b\n"))
	}))
	t.Cleanup(srv.Close)
	var out, errs bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"get", "-wait", "20s", srv.URL}, &out, &errs))
	assert.Equal(t, "probe b\n", out.String())
	assert.Equal(t, int32(3), calls.Load())
	assert.Contains(t, errs.String(), "HTTP 503")
}

func TestGetFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(hang.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String() + "/"
	require.NoError(t, ln.Close())

	for name, tc := range map[string]struct {
		args []string
		out  string
		err  string
	}{
		"status 500":     {[]string{"get", "-wait", "1500ms", srv.URL}, "broken\n", "HTTP 500"},
		"refused":        {[]string{"get", "-wait", "1500ms", closed}, "", "refused"},
		"try times out":  {[]string{"get", "-timeout", "200ms", "-wait", "1s", hang.URL}, "", "Timeout"},
		"bad URL":        {[]string{"get", "::nope"}, "", "missing protocol scheme"},
		"no URL":         {[]string{"get"}, "", "usage"},
		"unknown subcmd": {[]string{"put"}, "", "unknown command"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errs bytes.Buffer
			start := time.Now()
			err := run(context.Background(), tc.args, &out, &errs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.Equal(t, tc.out, out.String())
			assert.Less(t, time.Since(start), 5*time.Second, "bounded by -wait")
		})
	}
}

// TestServe runs the serve command on a free port and stops it with ctx.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-listen", addr}, nil, os.Stderr) }()

	var out, errs bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"get", "-wait", "10s", "http://" + addr + "/"}, &out, &errs))
	host, err := os.Hostname()
	require.NoError(t, err)
	assert.Equal(t, "probe "+host+"\n", out.String())
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop with its context")
	}
	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.True(t, err != nil && strings.Contains(err.Error(), "refused"), "the listener is closed: %v", err)
}
