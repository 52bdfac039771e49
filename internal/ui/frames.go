package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// memoized is a rendering shared by every stream of a batch.
type memoized struct {
	b   []byte
	err error
}

// machinesIn lists the machines a batch's events are about.
func machinesIn(b *batch) []string {
	var names []string
	for i := range b.events {
		if n := b.events[i].Machine; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// rackFrames re-renders the tiles of the machines the batch touched and
// the state summary (the same for every viewer, so rendered once).
func (u *UI) rackFrames(ctx context.Context, b *batch) ([]byte, error) {
	m := b.memo.get("rack", func() any {
		out, err := u.renderRackFrames(ctx, machinesIn(b))
		return memoized{out, err}
	}).(memoized)
	return slices.Clone(m.b), m.err
}

type tileModel struct {
	M   *machineView
	Now time.Time
}

func (u *UI) renderRackFrames(ctx context.Context, names []string) ([]byte, error) {
	var (
		views  []machineView
		counts map[string]int
	)
	err := u.db.View(ctx, func(tx *store.Tx) error {
		for _, n := range names {
			v, err := readMachine(tx, n)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			views = append(views, v)
		}
		var err error
		counts, err = tx.CountMachinesByState()
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []byte
	now := u.now()
	for i := range views {
		html, err := u.tmpl.execute("tile", tileModel{M: &views[i], Now: now})
		if err != nil {
			return nil, err
		}
		out = appendMessage(out, "m-"+views[i].Name, 0, html)
	}
	html, err := u.tmpl.execute("summary", summaryOf(counts))
	if err != nil {
		return nil, err
	}
	return appendMessage(out, "summary", 0, html), nil
}

func summaryOf(counts map[string]int) summaryModel {
	var s summaryModel
	for _, st := range machine.States {
		if n := counts[string(st)]; n > 0 {
			s.Total += n
			s.States = append(s.States, stateCount{string(st), n})
		}
	}
	return s
}

// machineFrames re-renders a machine page's status, timeline and actions
// and adds its new events to the stream panel.
func (u *UI) machineFrames(ctx context.Context, v streamView, r *request, b *batch) ([]byte, error) {
	var mine []store.Event
	for i := range b.events {
		if b.events[i].Machine == v.machine {
			mine = append(mine, b.events[i])
		}
	}
	if len(mine) == 0 {
		return nil, nil
	}
	m := &detailModel{base: u.pageBase(r, v.machine, "machines"), Now: u.now()}
	var evs []store.Event
	err := u.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if m.M, err = readMachine(tx, v.machine); err != nil {
			return err
		}
		if evs, err = tx.ListEvents(store.EventFilter{Machine: v.machine, BeforeID: b.upto + 1, Limit: detailEvents}); err != nil {
			return err
		}
		m.Operations, err = tx.ListOperations(v.machine, detailOperations)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("machine %s: %w", v.machine, err)
	}
	m.fill(evs, r)
	var out []byte
	for _, frag := range []string{"machine-status", "timeline", "actions", "operations"} {
		html, err := u.tmpl.execute(frag, m)
		if err != nil {
			return nil, err
		}
		out = appendMessage(out, frag, 0, html)
	}
	for i := range mine {
		html, err := u.tmpl.execute("event-row", &mine[i])
		if err != nil {
			return nil, err
		}
		out = appendMessage(out, "ev", mine[i].ID, html)
	}
	return out, nil
}

// eventFrames sends each event the view wants as a table row; the rows
// are rendered once per batch for every stream.
func (u *UI) eventFrames(v streamView, b *batch) ([]byte, error) {
	rows := b.memo.get("rows", func() any {
		rows := make([][]byte, len(b.events))
		for i := range b.events {
			html, err := u.tmpl.execute("event-row", &b.events[i])
			if err != nil {
				return err
			}
			rows[i] = appendMessage(nil, "ev", b.events[i].ID, html)
		}
		return rows
	})
	if err, ok := rows.(error); ok {
		return nil, err
	}
	var out []byte
	for i, row := range rows.([][]byte) {
		if v.wants(&b.events[i]) {
			out = append(out, row...)
		}
	}
	return out, nil
}
