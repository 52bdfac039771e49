package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
)

// eventQuery is the parsed query of GET /events.
type eventQuery struct {
	filter    store.EventFilter // Machine, Type, Limit
	after     int64
	hasCursor bool // after, continue or Last-Event-ID was given
	follow    bool
}

func parseEventQuery(c echo.Context) (eventQuery, error) {
	q := eventQuery{filter: store.EventFilter{Machine: c.QueryParam("machine"), Type: c.QueryParam("type")}}
	var err error
	if q.filter.Limit, err = queryLimit(c, defaultPage, maxPage); err != nil {
		return q, err
	}
	if v := c.QueryParam("follow"); v != "" {
		if q.follow, err = strconv.ParseBool(v); err != nil {
			return q, badRequest("follow", "want true or false, got %q", v)
		}
	}
	// A reconnecting EventSource sends Last-Event-ID; it wins over the query.
	field, v := "Last-Event-ID", c.Request().Header.Get("Last-Event-ID")
	if v == "" {
		field, v = "after", c.QueryParam("after")
	}
	if v == "" {
		field, v = "continue", c.QueryParam("continue")
	}
	q.hasCursor = v != ""
	q.after, err = queryID(field, v)
	return q, err
}

// events lists events, or with follow=true streams them as server-sent
// events. Without a cursor a list is the newest page (in ID order) and a
// stream starts after it.
func (s *Server) events(c echo.Context) error {
	q, err := parseEventQuery(c)
	if err != nil {
		return err
	}
	if q.follow {
		return s.follow(c, q)
	}
	f := q.filter
	if q.hasCursor {
		f.AfterID = q.after
	} else {
		f.BeforeID = math.MaxInt64
	}
	evs, err := s.listEvents(c, f)
	if err != nil {
		return err
	}
	out := api.List[store.Event]{Items: evs}
	if q.hasCursor && len(evs) == f.Limit {
		out.Continue = strconv.FormatInt(evs[len(evs)-1].ID, 10)
	}
	return writeJSON(c, http.StatusOK, out)
}

func (s *Server) listEvents(c echo.Context, f store.EventFilter) ([]store.Event, error) {
	var evs []store.Event
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		evs, err = tx.ListEvents(f)
		return err
	})
	if err != nil {
		return nil, wrapf(err, "list events")
	}
	if evs == nil {
		evs = []store.Event{}
	}
	return evs, nil
}

// follow streams events: the backlog after the cursor, then, after every
// store notification, every event past the cursor (read from the store, so
// none is lost however notifications coalesce), with a heartbeat while
// idle. It ends when the client goes or the server stops.
func (s *Server) follow(c echo.Context, q eventQuery) error {
	notify, unsubscribe := s.db.Subscribe() // before the backlog: nothing slips between
	defer unsubscribe()
	st := &stream{c: c, rc: http.NewResponseController(c.Response()), timeout: s.cfg.WriteTimeout}
	// Long-lived: lift the server's read deadline (which would cancel the
	// request) and bound each write instead.
	_ = st.rc.SetReadDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	if err := st.flush(); err != nil {
		return nil
	}
	cursor, err := s.startCursor(c, st, q)
	if err != nil {
		return s.endStream(c, err)
	}
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		if cursor, err = s.sendAfter(c, st, q.filter, cursor); err != nil {
			return s.endStream(c, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.life.Done():
			return nil
		case <-notify:
		case <-tick.C:
			if err := st.write([]byte(": ping\n\n")); err != nil {
				return s.endStream(c, err)
			}
		}
	}
}

// startCursor is the ID the stream continues after: the cursor given, or
// (without one) the newest page, which is sent first.
func (s *Server) startCursor(c echo.Context, st *stream, q eventQuery) (int64, error) {
	if q.hasCursor {
		return q.after, nil
	}
	f := q.filter
	f.BeforeID = math.MaxInt64
	last, _, err := s.sendPage(c, st, f, 0)
	return last, err
}

// sendAfter sends every event after cursor, page by page, and returns the
// new cursor.
func (s *Server) sendAfter(c echo.Context, st *stream, f store.EventFilter, cursor int64) (int64, error) {
	for {
		f.AfterID, f.BeforeID, f.Limit = cursor, 0, defaultPage
		next, n, err := s.sendPage(c, st, f, cursor)
		if err != nil || n < f.Limit {
			return next, err
		}
		cursor = next
	}
}

// sendPage reads the events f selects and sends them in one write; it
// returns the last ID sent (cursor when none) and how many.
func (s *Server) sendPage(c echo.Context, st *stream, f store.EventFilter, cursor int64) (int64, int, error) {
	evs, err := s.listEvents(c, f)
	if err != nil || len(evs) == 0 {
		return cursor, 0, err
	}
	st.buf = st.buf[:0]
	for i := range evs {
		if err := st.event(&evs[i]); err != nil {
			return cursor, 0, err
		}
	}
	if err := st.write(st.buf); err != nil {
		return cursor, 0, err
	}
	return evs[len(evs)-1].ID, len(evs), nil
}

func (s *Server) endStream(c echo.Context, err error) error {
	if !errors.Is(err, errClientGone) && c.Request().Context().Err() == nil {
		s.log.Warn("api: event stream ended", "request_id", requestIDOf(c), "err", err)
	}
	return nil
}

// errClientGone is a failed write to the stream: the client went away.
var errClientGone = errors.New("client gone")

// stream writes server-sent events with a bounded time per write.
type stream struct {
	c       echo.Context
	rc      *http.ResponseController
	timeout time.Duration
	buf     []byte
}

func (st *stream) write(b []byte) error {
	_ = st.rc.SetWriteDeadline(time.Now().Add(st.timeout))
	if _, err := st.c.Response().Write(b); err != nil {
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	return st.flush()
}

func (st *stream) flush() error {
	if err := st.rc.Flush(); err != nil {
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	return nil
}

// event appends one event in SSE framing to the pending buffer.
func (st *stream) event(e *store.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event %d: %w", e.ID, err)
	}
	st.buf = strconv.AppendInt(append(st.buf, "id: "...), e.ID, 10)
	st.buf = append(st.buf, "\nevent: event\ndata: "...)
	st.buf = append(append(st.buf, data...), "\n\n"...)
	return nil
}
