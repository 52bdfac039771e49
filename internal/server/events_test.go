package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

// waitFor bounds how long a test waits for something that should happen.
const waitFor = 15 * time.Second

// sseClient reads a server-sent event stream in the background.
type sseClient struct {
	status int
	header http.Header
	events chan store.Event
	pings  chan struct{}
	errs   chan error
	cancel context.CancelFunc
}

// follow opens GET /api/v1/events?follow=true&<query> with extra headers.
func (h *harness) follow(query string, header http.Header) *sseClient {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/api/v1/events?follow=true&"+query, nil)
	require.NoError(h.t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	h.authorize(req, auth.Viewer)
	resp, err := h.client.Do(req)
	require.NoError(h.t, err)
	c := &sseClient{status: resp.StatusCode, header: resp.Header, events: make(chan store.Event, 10000),
		pings: make(chan struct{}, 100), errs: make(chan error, 1), cancel: cancel}
	go c.read(resp)
	return c
}

func (c *sseClient) read(resp *http.Response) {
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var id int64
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == ": ping":
			select {
			case c.pings <- struct{}{}:
			default:
			}
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "data: "):
			var e store.Event
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e); err != nil || e.ID != id {
				c.errs <- fmt.Errorf("bad event (id line %d): %q: %v", id, line, err)
				return
			}
			c.events <- e
		}
	}
	close(c.events)
}

// next returns the next n events or fails the test.
func (c *sseClient) next(t *testing.T, n int) []store.Event {
	t.Helper()
	out := make([]store.Event, 0, n)
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for len(out) < n {
		select {
		case e, ok := <-c.events:
			require.True(t, ok, "stream ended after %d of %d events", len(out), n)
			out = append(out, e)
		case err := <-c.errs:
			require.NoError(t, err)
		case <-deadline.C:
			require.FailNow(t, "timed out", "got %d of %d events", len(out), n)
		}
	}
	return out
}

func (h *harness) appendEvents(machine string, n int) {
	h.t.Helper()
	require.NoError(h.t, h.db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			if err := tx.AppendEvent(&store.Event{Machine: machine, Type: "test", Message: strconv.Itoa(i)}); err != nil {
				return err
			}
		}
		return nil
	}))
}

func requireConsecutive(t *testing.T, evs []store.Event, first int64) {
	t.Helper()
	for i, e := range evs {
		require.Equal(t, first+int64(i), e.ID, "event %d of %d", i, len(evs))
	}
}

// TestFollowNoLoss follows from the start while 1,000 events are appended
// in commits of varying size: the backlog and every live event arrive, in
// order, none twice.
func TestFollowNoLoss(t *testing.T) {
	h := newHarness(t)
	h.appendEvents("", 10)
	c := h.follow("after=0", nil)
	require.Equal(t, http.StatusOK, c.status)
	assert.Equal(t, "text/event-stream", c.header.Get("Content-Type"))
	requireConsecutive(t, c.next(t, 10), 1)

	done := make(chan struct{})
	go func() {
		defer close(done)
		for sent, size := 0, 1; sent < 1000; size = size%7 + 1 {
			size = min(size, 1000-sent)
			h.appendEvents("", size)
			sent += size
		}
	}()
	requireConsecutive(t, c.next(t, 1000), 11)
	<-done
	select {
	case e := <-c.events:
		t.Fatalf("unexpected extra event %d", e.ID)
	default:
	}
}

func TestFollowCursors(t *testing.T) {
	h := newHarness(t)
	h.appendEvents("", 5)
	h.appendEvents("r1-u01", 5) // IDs 6..10

	// Last-Event-ID (a reconnecting EventSource) wins over after=.
	c := h.follow("after=1", http.Header{"Last-Event-Id": {"7"}})
	requireConsecutive(t, c.next(t, 3), 8)

	// Without a cursor the stream starts with the newest page.
	tail := h.follow("limit=2", nil)
	requireConsecutive(t, tail.next(t, 2), 9)

	// Filters apply to backlog and live events alike.
	only := h.follow("after=0&machine=r1-u01", nil)
	requireConsecutive(t, only.next(t, 5), 6)
	h.appendEvents("other", 3)
	h.appendEvents("r1-u01", 1)
	got := only.next(t, 1)
	assert.Equal(t, int64(14), got[0].ID)
	assert.Equal(t, "r1-u01", got[0].Machine)
	requireConsecutive(t, tail.next(t, 4), 11)
}

func TestFollowHeartbeat(t *testing.T) {
	h := newHarness(t, harnessOpts{opts: []Option{withHeartbeat(10 * time.Millisecond)}})
	c := h.follow("", nil)
	for range 2 {
		select {
		case <-c.pings:
		case <-time.After(waitFor):
			t.Fatal("no heartbeat")
		}
	}
}

func TestFollowEndsWhenServerStops(t *testing.T) {
	h := newHarness(t)
	c := h.follow("", nil)
	h.srv.halt()
	select {
	case _, ok := <-c.events:
		assert.False(t, ok, "stream should end")
	case <-time.After(waitFor):
		t.Fatal("stream still open after the server stopped")
	}
}

func TestListEvents(t *testing.T) {
	h := newHarness(t)
	h.appendEvents("a", 5)
	h.appendEvents("b", 5)
	var l api.List[store.Event]
	h.do(http.MethodGet, "/api/v1/events?limit=3", auth.Viewer, nil).decode(t, &l)
	requireConsecutive(t, l.Items, 8) // the newest page, in ID order
	assert.Empty(t, l.Continue)

	var page api.List[store.Event]
	h.do(http.MethodGet, "/api/v1/events?after=0&limit=4", auth.Viewer, nil).decode(t, &page)
	requireConsecutive(t, page.Items, 1)
	require.Equal(t, "4", page.Continue)
	var next api.List[store.Event]
	h.do(http.MethodGet, "/api/v1/events?limit=4&continue="+page.Continue, auth.Viewer, nil).decode(t, &next)
	requireConsecutive(t, next.Items, 5)

	var byMachine api.List[store.Event]
	h.do(http.MethodGet, "/api/v1/events?machine=b&type=test", auth.Viewer, nil).decode(t, &byMachine)
	requireConsecutive(t, byMachine.Items, 6)
}
