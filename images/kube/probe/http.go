package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// handler answers GET / with the hostname (which pod answered) and
// GET /healthz for readiness probes.
func handler(host string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "probe %s\n", host)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// serve answers on listen until ctx ends.
func serve(ctx context.Context, listen, host string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(host), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// get fetches url until it answers 200 or wait has passed (each try bounded
// by timeout, a second apart), prints the last body to stdout and fails
// unless the status was 200.
func get(ctx context.Context, url string, timeout, wait time.Duration, stdout, stderr io.Writer) error {
	if _, err := http.NewRequest(http.MethodGet, url, nil); err != nil {
		return err // a bad URL does not get better with retries
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	client := &http.Client{Timeout: timeout}
	for try := 1; ; try++ {
		status, body, err := fetch(ctx, client, url)
		if err == nil && status == http.StatusOK {
			_, err = stdout.Write(body)
			return err
		}
		if err == nil {
			err = fmt.Errorf("HTTP %d", status)
		}
		fmt.Fprintf(stderr, "probe: get %s (try %d): %v\n", url, try, err)
		select {
		case <-ctx.Done():
			_, _ = stdout.Write(body)
			return fmt.Errorf("get %s: no 200 within %s: %w", url, wait, err)
		case <-time.After(time.Second):
		}
	}
}

func fetch(ctx context.Context, client *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}
