package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/store"
)

// streamView is what a page's event stream renders.
type streamView struct {
	view    string // rack | machine | events
	machine string
	typ     string
	after   int64
}

func parseStreamView(c echo.Context) (streamView, error) {
	v := streamView{view: c.QueryParam("view"), machine: c.QueryParam("machine"), typ: c.QueryParam("type")}
	switch {
	case v.view != "rack" && v.view != "machine" && v.view != "events":
		return v, &pageError{status: http.StatusBadRequest, msg: "view: rack, machine or events", field: "view"}
	case v.view == "machine" && v.machine == "":
		return v, &pageError{status: http.StatusBadRequest, msg: "machine is required", field: "machine"}
	}
	// A reconnecting EventSource sends Last-Event-ID: it wins over after.
	s := c.Request().Header.Get("Last-Event-ID")
	if s == "" {
		s = c.QueryParam("after")
	}
	if s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return v, &pageError{status: http.StatusBadRequest, msg: "after: want an event ID", field: "after"}
		}
		v.after = n
	}
	return v, nil
}

// wants reports whether the view shows event e.
func (v streamView) wants(e *store.Event) bool {
	if v.machine != "" && e.Machine != v.machine {
		return false
	}
	if v.typ == "" {
		return true
	}
	if strings.HasSuffix(v.typ, ".") {
		return strings.HasPrefix(e.Type, v.typ)
	}
	return e.Type == v.typ
}

// stream is the server-sent event stream of a live page: HTML fragments
// (htmx sse-swap) for every event after the page's snapshot, read by ID
// cursor, so nothing is lost across reconnects or a slow client.
func (u *UI) stream(c echo.Context, r *request) error {
	v, err := parseStreamView(c)
	if err != nil {
		return err
	}
	batches, unsubscribe := u.hub.subscribe() // before catching up: nothing slips between
	defer unsubscribe()
	out := &sseWriter{c: c, rc: http.NewResponseController(c.Response())}
	_ = out.rc.SetReadDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	if out.flush() != nil {
		return nil
	}
	ctx := c.Request().Context()
	cursor, err := u.catchUp(ctx, out, v, r, v.after)
	tick := time.NewTicker(u.heartbeat)
	defer tick.Stop()
	for err == nil {
		select {
		case <-ctx.Done():
			return nil
		case <-u.life.Done():
			return nil
		case b := <-batches:
			cursor, err = u.deliver(ctx, out, v, r, b, cursor)
		case <-tick.C:
			if err = out.write([]byte(": ping\n\n")); err == nil {
				cursor, err = u.catchUp(ctx, out, v, r, cursor)
			}
		}
	}
	if !errors.Is(err, errGone) && ctx.Err() == nil {
		u.log.Warn("ui: event stream ended", "view", v.view, "err", err)
	}
	return nil
}

// deliver sends a hub batch; a gap before it (the stream fell behind) is
// read from the store first.
func (u *UI) deliver(ctx context.Context, out *sseWriter, v streamView, r *request, b *batch, cursor int64) (int64, error) {
	switch {
	case b.upto <= cursor:
		return cursor, nil
	case b.after > cursor:
		return u.catchUp(ctx, out, v, r, cursor)
	case b.after < cursor: // overlaps what catch-up sent: only the rest
		b = partial(b, cursor)
	}
	return b.upto, u.send(ctx, out, v, r, b)
}

func partial(b *batch, cursor int64) *batch {
	p := &batch{after: cursor, upto: b.upto}
	for _, e := range b.events {
		if e.ID > cursor {
			p.events = append(p.events, e)
		}
	}
	return p
}

// catchUp sends every event after cursor from the store.
func (u *UI) catchUp(ctx context.Context, out *sseWriter, v streamView, r *request, cursor int64) (int64, error) {
	for {
		evs, err := readEvents(ctx, u.db, store.EventFilter{AfterID: cursor, Limit: hubPage})
		if err != nil || len(evs) == 0 {
			return cursor, err
		}
		b := &batch{after: cursor, upto: evs[len(evs)-1].ID, events: evs}
		if err := u.send(ctx, out, v, r, b); err != nil {
			return cursor, err
		}
		cursor = b.upto
		if len(evs) < hubPage {
			return cursor, nil
		}
	}
}

// send renders the batch for the view and writes it in one go, ending
// with the batch's ID so that a reconnect resumes after it.
func (u *UI) send(ctx context.Context, out *sseWriter, v streamView, r *request, b *batch) error {
	var (
		msgs []byte
		err  error
	)
	switch v.view {
	case "rack":
		msgs, err = u.rackFrames(ctx, b)
	case "machine":
		msgs, err = u.machineFrames(ctx, v, r, b)
	default:
		msgs, err = u.eventFrames(v, b)
	}
	if err != nil {
		return err
	}
	msgs = fmt.Appendf(msgs, "id: %d\n\n", b.upto)
	return out.write(msgs)
}

// errGone is a failed write: the client went away.
var errGone = errors.New("client gone")

// sseWriter writes to the stream with a bounded time per write.
type sseWriter struct {
	c  echo.Context
	rc *http.ResponseController
}

const sseWriteTimeout = 30 * time.Second

func (w *sseWriter) write(b []byte) error {
	_ = w.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	if _, err := w.c.Response().Write(b); err != nil {
		return fmt.Errorf("%w: %w", errGone, err)
	}
	return w.flush()
}

func (w *sseWriter) flush() error {
	if err := w.rc.Flush(); err != nil {
		return fmt.Errorf("%w: %w", errGone, err)
	}
	return nil
}

// appendMessage appends one server-sent event carrying html (one data
// line per line of html).
func appendMessage(buf []byte, event string, id int64, html []byte) []byte {
	if id > 0 {
		buf = fmt.Appendf(buf, "id: %d\n", id)
	}
	buf = append(append(append(buf, "event: "...), event...), '\n')
	for line := range bytes.Lines(html) {
		buf = append(append(buf, "data: "...), bytes.TrimRight(line, "\r\n")...)
		buf = append(buf, '\n')
	}
	return append(buf, '\n')
}
