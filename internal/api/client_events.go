package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// Event stream limits.
const (
	maxRetryDelay = 15 * time.Second
	maxEventBytes = 4 << 20
)

// FollowEvents streams the events matching q (Machine, Type) that come after
// the event ID after, calling fn for each in ID order. When the stream drops
// it reconnects with Last-Event-ID, so no event is missed or repeated. It
// returns fn's error, a refusal from the server (an *Error such as 401), or
// ctx.Err() when ctx ends.
func (c *Client) FollowEvents(ctx context.Context, q EventQuery, after int64, fn func(store.Event) error) error {
	delay := c.retryDelay
	for {
		progressed, err := c.streamEvents(ctx, q, &after, fn)
		var stop *stopError
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.As(err, &stop):
			return stop.err
		case permanent(err):
			return err
		}
		if progressed {
			delay = c.retryDelay
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, maxRetryDelay)
	}
}

// stopError carries fn's error out of the stream unchanged.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }

// permanent reports whether reconnecting cannot help (the server refused
// the request itself).
func permanent(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout &&
		e.Status != http.StatusTooManyRequests
}

// streamEvents reads one SSE connection until it ends. It reports whether it
// delivered at least one event.
func (c *Client) streamEvents(ctx context.Context, q EventQuery, after *int64, fn func(store.Event) error) (bool, error) {
	v := q.values()
	v.Del("after")
	v.Del("limit")
	v.Set("follow", "true")
	setInt(v, "after", *after)
	r := request{method: http.MethodGet, path: v1 + "/events", query: v, header: http.Header{}}
	if *after > 0 {
		r.header.Set("Last-Event-ID", strconv.FormatInt(*after, 10))
	}
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.stream.Do(req)
	if err != nil {
		return false, fmt.Errorf("events: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return false, decodeError(resp)
	}
	progressed := false
	err = readSSE(resp.Body, func(m sseMessage) error {
		if m.event != "" && m.event != "event" {
			return nil
		}
		var ev store.Event
		if err := json.Unmarshal([]byte(m.data), &ev); err != nil {
			return fmt.Errorf("events: decode event %q: %w", m.id, err)
		}
		if ev.ID <= *after {
			return nil // already delivered before a reconnect
		}
		if err := fn(ev); err != nil {
			return &stopError{err}
		}
		*after, progressed = ev.ID, true
		return nil
	})
	return progressed, err
}

// sseMessage is one dispatched server-sent event.
type sseMessage struct {
	id, event, data string
}

// readSSE parses a text/event-stream, calling fn for each message with data.
func readSSE(r io.Reader, fn func(sseMessage) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxEventBytes)
	var m sseMessage
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(data) > 0 {
				m.data = strings.Join(data, "\n")
				if err := fn(m); err != nil {
					return err
				}
			}
			m, data = sseMessage{}, nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // comment (heartbeat)
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			m.id = value
		case "event":
			m.event = value
		case "data":
			data = append(data, value)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("events: stream: %w", err)
	}
	return errors.New("events: stream ended")
}
