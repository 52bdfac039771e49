package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/timeline"
)

// machineView is one machine as the pages show it: its observed status
// joined with its declared object.
type machineView struct {
	Name, MAC, State, StateReason, FailedStage, Power, Phase string
	Rack, UnitLabel                                          string
	Unit                                                     int // 0: unknown
	Cluster, Image, BMC, Network, IP                         string
	Labels                                                   []labelPair
	Conditions                                               []store.Condition
	StateChangedAt                                           time.Time
	Declared                                                 bool
	Allowed                                                  []string
	Transient                                                bool
	Spec                                                     *inventory.MachineSpec
	Hardware                                                 json.RawMessage
}

type labelPair struct{ Key, Value string }

// PhaseText is the current phase for a tile: the live phase, else what
// the state means.
func (m *machineView) PhaseText() string {
	if m.Phase != "" {
		return m.Phase
	}
	if m.State == string(machine.Failed) && m.FailedStage != "" {
		return "failed in " + m.FailedStage
	}
	if m.Transient {
		return m.State + "…"
	}
	return ""
}

// timelineMachine is what the timeline needs of the machine.
func (m *machineView) timelineMachine() timeline.Machine {
	return timeline.Machine{State: m.State, Reason: m.StateReason, FailedStage: m.FailedStage,
		StateChangedAt: m.StateChangedAt}
}

// HasLabel reports whether the machine has label k=v (v "" matches any value).
func (m *machineView) HasLabel(k, v string) bool {
	for _, l := range m.Labels {
		if l.Key == k && (v == "" || l.Value == v) {
			return true
		}
	}
	return false
}

func newMachineView(m *store.Machine, o *store.Object) (machineView, error) {
	v := machineView{Name: m.Name, MAC: m.MAC, State: m.State, StateReason: m.StateReason,
		FailedStage: m.FailedStage, Power: m.Power, Phase: m.Phase, Conditions: m.Conditions,
		StateChangedAt: m.StateChangedAt, Transient: machine.State(m.State).Transient(), Hardware: m.Hardware}
	if v.Power == "" {
		v.Power = "unknown"
	}
	for _, t := range machine.Allowed(machine.State(m.State)) {
		v.Allowed = append(v.Allowed, string(t))
	}
	if o == nil {
		return v, nil
	}
	v.Declared = true
	for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
		v.Labels = append(v.Labels, labelPair{k, o.Labels[k]})
	}
	v.Rack, v.UnitLabel = o.Labels["rack"], o.Labels["unit"]
	v.Unit = parseUnit(v.UnitLabel)
	var spec inventory.MachineSpec
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return v, fmt.Errorf("machine %s: stored spec: %w", m.Name, err)
	}
	v.Spec, v.Cluster, v.Image, v.Network, v.IP = &spec, spec.Cluster, spec.Image, spec.Network, spec.IP
	if spec.BMC != nil {
		v.BMC = spec.BMC.Address
	}
	return v, nil
}

// parseUnit reads a rack unit label: "7", "u07", "U42".
func parseUnit(s string) int {
	n, err := strconv.Atoi(strings.TrimLeft(strings.ToLower(s), "u"))
	if err != nil || n < 0 || n > 100 {
		return 0
	}
	return n
}

// readMachines reads every machine with its declared object, in name order.
func readMachines(tx *store.Tx) ([]machineView, error) {
	ms, err := tx.ListMachines(store.MachineFilter{})
	if err != nil {
		return nil, fmt.Errorf("list machines: %w", err)
	}
	objs, err := tx.ListObjects(string(inventory.KindMachine))
	if err != nil {
		return nil, fmt.Errorf("list machine objects: %w", err)
	}
	byName := make(map[string]*store.Object, len(objs))
	for i := range objs {
		byName[objs[i].Name] = &objs[i]
	}
	out := make([]machineView, 0, len(ms))
	for i := range ms {
		v, err := newMachineView(&ms[i], byName[ms[i].Name])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// readMachine reads one machine with its declared object.
func readMachine(tx *store.Tx, name string) (machineView, error) {
	m, err := tx.GetMachine(name)
	if err != nil {
		return machineView{}, err
	}
	o, err := tx.GetObject(string(inventory.KindMachine), name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return newMachineView(&m, nil)
	case err != nil:
		return machineView{}, fmt.Errorf("machine %s: %w", name, err)
	}
	return newMachineView(&m, &o)
}

// lastEventID is the newest event's ID (0 when there is none): a page
// rendered from a snapshot streams the events after it.
func lastEventID(tx *store.Tx) (int64, error) {
	evs, err := tx.ListEvents(store.EventFilter{BeforeID: 1<<63 - 1, Limit: 1})
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	return evs[0].ID, nil
}
