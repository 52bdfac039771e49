package ui

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// rackUnits is the height a rack is drawn with unless a machine sits higher.
const rackUnits = 42

type rackModel struct {
	base
	Now     time.Time
	Summary summaryModel
	Racks   []rackView
	Loose   []*machineView // no rack label
}

type rackView struct {
	Name     string
	Slots    []rackSlot // top (highest unit) first
	Unplaced []*machineView
	Count    int
}

// rackSlot is one occupied unit, or a run of empty units Unit down to Low.
type rackSlot struct {
	Unit, Low int
	Machines  []*machineView
}

// summaryModel counts machines per state, in journey order.
type summaryModel struct {
	Total  int
	States []stateCount
}

type stateCount struct {
	State string
	Count int
}

func summarize(ms []machineView) summaryModel {
	n := map[string]int{}
	for i := range ms {
		n[ms[i].State]++
	}
	s := summaryModel{Total: len(ms)}
	for _, st := range machine.States {
		if n[string(st)] > 0 {
			s.States = append(s.States, stateCount{string(st), n[string(st)]})
		}
	}
	return s
}

// layoutRacks places machines by their rack and unit labels.
func layoutRacks(ms []machineView) ([]rackView, []*machineView) {
	byRack := map[string]*rackView{}
	var loose []*machineView
	slotsOf := map[string]map[int][]*machineView{}
	for i := range ms {
		m := &ms[i]
		if m.Rack == "" {
			loose = append(loose, m)
			continue
		}
		r := byRack[m.Rack]
		if r == nil {
			r = &rackView{Name: m.Rack}
			byRack[m.Rack], slotsOf[m.Rack] = r, map[int][]*machineView{}
		}
		r.Count++
		if m.Unit == 0 {
			r.Unplaced = append(r.Unplaced, m)
			continue
		}
		slotsOf[m.Rack][m.Unit] = append(slotsOf[m.Rack][m.Unit], m)
	}
	racks := make([]rackView, 0, len(byRack))
	for name, r := range byRack {
		top := rackUnits
		for u := range slotsOf[name] {
			top = max(top, u)
		}
		for u := top; u >= 1; u-- {
			ms := slotsOf[name][u]
			if n := len(r.Slots); len(ms) == 0 && n > 0 && r.Slots[n-1].Machines == nil {
				r.Slots[n-1].Low = u // extend the empty run
				continue
			}
			r.Slots = append(r.Slots, rackSlot{Unit: u, Low: u, Machines: ms})
		}
		racks = append(racks, *r)
	}
	slices.SortFunc(racks, func(a, b rackView) int { return cmp.Compare(a.Name, b.Name) })
	return racks, loose
}

// rackPage is the rack view: every machine in its rack slot, live.
func (u *UI) rackPage(c echo.Context, r *request) error {
	var (
		ms    []machineView
		after int64
	)
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		if ms, err = readMachines(tx); err != nil {
			return err
		}
		after, err = lastEventID(tx)
		return err
	})
	if err != nil {
		return err
	}
	m := rackModel{base: u.pageBase(r, "Rack", "rack"), Now: u.now(), Summary: summarize(ms)}
	m.Racks, m.Loose = layoutRacks(ms)
	m.Stream = fmt.Sprintf("/ui/stream?view=rack&after=%d", after)
	return u.render(c, http.StatusOK, "rack", &m)
}
