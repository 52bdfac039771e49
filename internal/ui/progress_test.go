package ui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/store"
)

// sseMessage is one server-sent event: its name and its data lines joined.
type sseMessage struct{ event, data string }

// follow opens the page's event stream and sends each message it reads.
func (c *client) follow(path string) <-chan sseMessage {
	c.h.t.Helper()
	ctx, cancel := context.WithCancel(c.h.t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.h.ts.URL+path, nil)
	require.NoError(c.h.t, err)
	res, err := c.http.Do(req)
	require.NoError(c.h.t, err)
	require.Equal(c.h.t, http.StatusOK, res.StatusCode)
	out := make(chan sseMessage, 64)
	done := make(chan struct{})
	c.h.t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				m.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				m.data += strings.TrimPrefix(line, "data: ") + "\n"
			case line == "" && m.event != "":
				select {
				case out <- m:
				case <-ctx.Done():
					return
				}
				m = sseMessage{}
			}
		}
	}()
	return out
}

// waitFrame reads messages until one named event contains every want.
func waitFrame(t *testing.T, msgs <-chan sseMessage, event string, want ...string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-msgs:
			if m.event != event {
				continue
			}
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(m.data, w)
			}
			if ok {
				return m.data
			}
		case <-deadline:
			t.Fatalf("no %q frame with %q within 10 s", event, want)
		}
	}
}

func appendEvent(t *testing.T, db *store.DB, e store.Event) {
	t.Helper()
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error { return tx.AppendEvent(&e) }))
}

func progressEvent(t *testing.T, bytes, total int64, rate float64) store.Event {
	b, err := json.Marshal(agent.Progress{Phase: agent.PhaseDownload, Bytes: bytes, Total: total, BytesPerSec: rate})
	require.NoError(t, err)
	return store.Event{Machine: "r1-u01", Type: agent.EventProgress, Actor: "agent", Data: b}
}

// TestLiveInstallProgress: install.progress events reach an open machine
// page through its event stream as a new timeline whose progress bar and
// rate follow the reports, without a reload.
func TestLiveInstallProgress(t *testing.T) {
	h := newHarness(t)
	h.apply(siteYAML(1))
	op := h.signIn("operator")
	var last []store.Event
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) (err error) {
		last, err = tx.ListEvents(store.EventFilter{BeforeID: 1<<63 - 1, Limit: 1})
		return err
	}))
	require.Len(t, last, 1)
	msgs := op.follow(fmt.Sprintf("/ui/stream?view=machine&machine=r1-u01&after=%d", last[0].ID))

	appendEvent(t, h.db, store.Event{Machine: "r1-u01", Type: agent.EventInstallStart, Actor: "agent"})
	appendEvent(t, h.db, progressEvent(t, 20e6, 50e6, 25e6))
	waitFrame(t, msgs, "timeline", `<progress max="100" value="40"`, "download 40% · 20 MB of 50 MB · 25.0 MB/s")
	appendEvent(t, h.db, progressEvent(t, 45e6, 50e6, 31.5e6))
	waitFrame(t, msgs, "timeline", `<progress max="100" value="90"`, "download 90% · 45 MB of 50 MB · 31.5 MB/s")
	waitFrame(t, msgs, "ev", "install.progress")
}
