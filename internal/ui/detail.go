package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/timeline"
)

// How much history the detail page reads.
const (
	detailEvents     = 500
	detailOperations = 10
	detailShown      = 100 // newest events listed in the event stream panel
)

type detailModel struct {
	base
	Now        time.Time
	M          machineView
	Timeline   timeline.Timeline
	Events     []store.Event // newest first
	Operations []store.Operation
	Actions    []actionView
	Hardware   string // inspected, indented JSON
	BOM        []bomRow
}

// actionView is one button of the actions panel.
type actionView struct {
	Action, Label, Device string
	Destructive           bool
}

// bomRow compares one declared hardware fact with the inspected one.
type bomRow struct {
	Item, Declared, Inspected string
	OK                        bool
	Known                     bool // the inspected side was reported
}

// detailPage shows one machine: identity, BMC, power, hardware and BOM,
// the boot timeline, operations and the live event stream.
func (u *UI) detailPage(c echo.Context, r *request) error {
	m, after, err := u.readDetail(c, r, c.Param("name"))
	if err != nil {
		return err
	}
	m.Stream = fmt.Sprintf("/ui/stream?view=machine&machine=%s&after=%d", m.M.Name, after)
	return u.render(c, http.StatusOK, "machine", m)
}

func (u *UI) readDetail(c echo.Context, r *request, name string) (*detailModel, int64, error) {
	m := &detailModel{base: u.pageBase(r, name, "machines"), Now: u.now()}
	var evs []store.Event
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		if m.M, err = readMachine(tx, name); err != nil {
			return err
		}
		f := store.EventFilter{Machine: name, BeforeID: math.MaxInt64, Limit: detailEvents}
		if evs, err = tx.ListEvents(f); err != nil {
			return fmt.Errorf("machine %s: events: %w", name, err)
		}
		m.Operations, err = tx.ListOperations(name, detailOperations)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	m.fill(evs, r)
	var after int64
	if len(evs) > 0 {
		after = evs[len(evs)-1].ID
	}
	return m, after, nil
}

// fill derives the timeline, the newest events, actions and hardware.
func (m *detailModel) fill(evs []store.Event, r *request) {
	m.Timeline = timeline.Build(m.M.timelineMachine(), evs, m.Now)
	shown := evs[max(0, len(evs)-detailShown):]
	m.Events = make([]store.Event, 0, len(shown))
	for i := len(shown) - 1; i >= 0; i-- {
		m.Events = append(m.Events, shown[i])
	}
	if r.can(auth.Operator) {
		m.Actions = actionsFor(&m.M)
	}
	if len(m.M.Hardware) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, m.M.Hardware, "", "  ") == nil {
			m.Hardware = b.String()
		}
	}
	m.BOM = bomCheck(&m.M)
}

// actionsFor lists the buttons for a machine: power and boot always,
// lifecycle triggers when its state allows them.
func actionsFor(m *machineView) []actionView {
	out := []actionView{
		{Action: "power-on", Label: "Power on"},
		{Action: "power-off", Label: "Power off", Destructive: true},
		{Action: "power-reset", Label: "Reset", Destructive: true},
		{Action: "bootdev", Device: "pxe", Label: "Boot PXE once"},
	}
	for _, t := range []machine.Trigger{machine.Inspect, machine.Provision, machine.MaintenanceOn,
		machine.MaintenanceOff, machine.Reset, machine.Deprovision} {
		if slices.Contains(m.Allowed, string(t)) {
			out = append(out, actionView{Action: string(t), Label: actionLabel(string(t)), Destructive: destructive(string(t))})
		}
	}
	return out
}

// destructive actions need a confirmation: they cut power or rewrite disks.
func destructive(action string) bool {
	switch action {
	case "power-off", "power-soft-off", "power-reset", "power-cycle", "provision", "deprovision":
		return true
	}
	return false
}

func actionLabel(action string) string {
	labels := map[string]string{
		"power-on": "Power on", "power-off": "Power off", "power-soft-off": "Soft power off",
		"power-reset": "Reset", "power-cycle": "Power cycle", "bootdev": "Boot PXE once",
		"inspect": "Inspect", "provision": "Provision", "maintenance-on": "Maintenance on",
		"maintenance-off": "Maintenance off", "reset": "Clear failure", "deprovision": "Deprovision (wipe)",
	}
	if l, ok := labels[action]; ok {
		return l
	}
	return action
}

type flashModel struct {
	base
	Kind    string // ok | error | confirm
	Message string
	Machine string
	Names   []string
	Action  string
	Device  string
	Back    string
}

// action runs one action on a machine through server.Act (the API's code
// path). A destructive one first answers with a confirmation form.
func (u *UI) action(c echo.Context, r *request) error {
	name, action, device := c.Param("name"), c.FormValue("action"), c.FormValue("device")
	back := "/machines/" + name
	if destructive(action) && c.FormValue("confirm") != "yes" {
		f := flashModel{base: u.pageBase(r, "Confirm", "machines"), Kind: "confirm", Machine: name,
			Names: []string{name}, Action: action, Back: back,
			Message: fmt.Sprintf("%s %s?", actionLabel(action), name)}
		return u.renderFlash(c, http.StatusOK, &f)
	}
	req := api.ActionRequest{Action: action}
	if action == "bootdev" {
		req.Params = map[string]string{"device": device}
	}
	ref, err := u.act.Act(c.Request().Context(), r.actor(), name, req)
	if err != nil {
		return err
	}
	f := flashModel{base: u.pageBase(r, "Done", "machines"), Kind: "ok", Machine: name, Back: back,
		Message: fmt.Sprintf("%s: requested (operation %s).", actionLabel(action), ref.ID)}
	server.SetTarget(c, name)
	return u.renderFlash(c, http.StatusOK, &f)
}

// renderFlash answers an action: a fragment for htmx, a page otherwise.
func (u *UI) renderFlash(c echo.Context, status int, f *flashModel) error {
	if htmx(c) {
		return u.render(c, status, "flash", f)
	}
	return u.render(c, status, "flash-page", f)
}
