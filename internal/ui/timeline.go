package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// The phases of a machine's journey, in order (design §2).
var phases = []struct{ key, label string }{
	{"power", "Power on"},
	{"dhcp", "DHCP"},
	{"tftp", "TFTP"},
	{"script", "iPXE script"},
	{"kernel", "Kernel + initrd"},
	{"agent", "Agent"},
	{"inspect", "Inspect"},
	{"install", "Install"},
	{"disk", "Boot to disk"},
	{"phonehome", "Phone home"},
}

func phaseIndex(key string) int {
	for i, p := range phases {
		if p.key == key {
			return i
		}
	}
	return -1
}

// Phase statuses.
const (
	phaseDone    = "done"
	phaseActive  = "active"
	phaseFailed  = "failed"
	phaseStuck   = "stuck"
	phasePending = "pending"
)

type timeline struct {
	// Start is the event that began this attempt (a state change into a
	// step, or a power-on request); nil when the history has none.
	Start  *store.Event
	Phases []phaseView
	// Stopped explains a failed or stuck attempt ("" while all is well).
	Stopped  string
	LastSeen *store.Event
	Waiting  string // the phase expected next while running
	Deadline time.Time
	Total    time.Duration
}

type phaseView struct {
	Key, Label, Status string
	Began, Ended       time.Time
	Duration           time.Duration
	Events             []store.Event
	Progress           *installProgress
}

// installProgress is the install phase's latest progress report.
type installProgress struct {
	Percent  int
	Bytes    int64
	Total    int64
	MBPerSec float64
}

// classify returns the phase an event belongs to ("" for none): the event
// type decides, and once the attempt reached install, power and network
// boot events belong to booting the installed disk.
func classify(e *store.Event, reached int) string {
	t := e.Type
	afterInstall := reached >= phaseIndex("install")
	switch {
	case t == "state":
		return stateInPhase(e.From, e.To)
	case strings.HasPrefix(t, "power.") || t == "bootdev.set" || isPowerOperation(e):
		if afterInstall || strings.Contains(e.Message+string(e.Data), "disk") {
			return "disk"
		}
		return "power"
	case strings.HasPrefix(t, "dhcp."), strings.HasPrefix(t, "tftp."), strings.HasPrefix(t, "boot."):
		if afterInstall {
			return "disk"
		}
		switch {
		case strings.HasPrefix(t, "dhcp."):
			return "dhcp"
		case strings.HasPrefix(t, "tftp."):
			return "tftp"
		case t == "boot.script":
			return "script"
		}
		return "kernel"
	case strings.HasPrefix(t, "agent."):
		if strings.Contains(t, "inspect") || strings.Contains(t, "hardware") {
			return "inspect"
		}
		if strings.Contains(t, "install") || strings.Contains(t, "image") {
			return "install"
		}
		return "agent"
	case strings.HasPrefix(t, "inspect."), strings.HasPrefix(t, "hardware."), strings.HasPrefix(t, "bom."):
		return "inspect"
	case strings.HasPrefix(t, "install."), strings.HasPrefix(t, "image."):
		return "install"
	case strings.HasPrefix(t, "phonehome."), strings.HasPrefix(t, "phone-home."), strings.HasPrefix(t, "os."),
		strings.HasPrefix(t, "kube."), strings.HasPrefix(t, "node."):
		return "phonehome"
	}
	return ""
}

func isPowerOperation(e *store.Event) bool {
	return strings.HasPrefix(e.Type, "operation.") &&
		(strings.HasPrefix(e.Reason, "power-") || e.Reason == "bootdev")
}

// stateInPhase is the phase a state change completes or continues.
func stateInPhase(from, to string) string {
	switch {
	case from == string(machine.Inspecting) && to == string(machine.Ready):
		return "inspect"
	case from == string(machine.Provisioning) && to == string(machine.Provisioned):
		return "install"
	case to == string(machine.Booting):
		return "disk"
	case to == string(machine.Joining), to == string(machine.Active):
		return "phonehome"
	}
	return ""
}

// startsAttempt reports whether e begins a new attempt of the journey.
func startsAttempt(e *store.Event) bool {
	if e.Type == "state" {
		return e.To == string(machine.Inspecting) || e.To == string(machine.Provisioning) ||
			e.To == string(machine.Registered)
	}
	return false
}

// buildTimeline derives the current attempt's phases from the machine's
// events (ascending ID order).
func buildTimeline(m *machineView, evs []store.Event, now time.Time) timeline {
	start := 0
	for i := range evs {
		if startsAttempt(&evs[i]) {
			start = i
		}
	}
	var tl timeline
	if len(evs) > 0 {
		tl.Start = &evs[start]
		tl.LastSeen = &evs[len(evs)-1]
	}
	views := make([]phaseView, len(phases))
	for i, p := range phases {
		views[i] = phaseView{Key: p.key, Label: p.label, Status: phasePending}
	}
	reached, current := -1, -1
	for i := start; i < len(evs); i++ {
		e := &evs[i]
		if p := phaseIndex(classify(e, reached)); p >= 0 {
			current, reached = p, max(reached, p)
		}
		if current < 0 {
			continue // before the first phase: the attempt's request
		}
		v := &views[current]
		if v.Began.IsZero() {
			v.Began = e.Time
		}
		if classify(e, reached) != "" { // an event of no phase does not extend one
			v.Ended = e.Time
		}
		v.Events = append(v.Events, *e)
		if current == phaseIndex("install") {
			v.Progress = progressOf(e, v.Progress)
		}
	}
	tl.Phases = views
	finishPhases(&tl, m, reached, now)
	return tl
}

// finishPhases sets each phase's status and duration, and why the attempt
// stopped when it did.
func finishPhases(tl *timeline, m *machineView, reached int, now time.Time) {
	running := m.Transient
	failed := m.State == string(machine.Failed)
	for i := range tl.Phases {
		v := &tl.Phases[i]
		if v.Began.IsZero() {
			continue
		}
		v.Status = phaseDone
		if next := nextBegan(tl.Phases, i); !next.IsZero() {
			v.Duration = next.Sub(v.Began)
		} else {
			v.Duration = v.Ended.Sub(v.Began)
		}
		if i == reached && (running || failed) {
			v.Status = phaseActive
			if running {
				v.Duration = now.Sub(v.Began)
			}
		}
	}
	if tl.Start != nil && tl.LastSeen != nil {
		tl.Total = tl.LastSeen.Time.Sub(tl.Start.Time)
		if running {
			tl.Total = now.Sub(tl.Start.Time)
		}
	}
	if reached+1 < len(phases) && running {
		tl.Waiting = phases[reached+1].label
	}
	if running {
		tl.Deadline = m.StateChangedAt.Add(machine.State(m.State).Timeout())
	}
	explainStop(tl, m, reached, now)
}

func nextBegan(ps []phaseView, i int) time.Time {
	for j := i + 1; j < len(ps); j++ {
		if !ps[j].Began.IsZero() {
			return ps[j].Began
		}
	}
	return time.Time{}
}

// explainStop says why a failed or stuck machine stopped.
func explainStop(tl *timeline, m *machineView, reached int, now time.Time) {
	mark := func(status string) {
		if reached >= 0 {
			tl.Phases[reached].Status = status
		}
	}
	switch {
	case m.State == string(machine.Failed):
		mark(phaseFailed)
		stage := m.FailedStage
		if stage == "" && reached >= 0 {
			stage = phases[reached].label
		}
		tl.Stopped = fmt.Sprintf("Failed while %s: %s", stage, m.StateReason)
	case m.Transient && tl.LastSeen != nil && now.Sub(tl.LastSeen.Time) > StuckAfter:
		mark(phaseStuck)
		tl.Stopped = fmt.Sprintf("No progress for %s. Last seen: %s. Waiting for %s.",
			fmtDuration(now.Sub(tl.LastSeen.Time)), describe(tl.LastSeen), orNext(tl.Waiting))
	case m.Transient && tl.LastSeen == nil:
		tl.Stopped = "Nothing heard from this machine yet."
	}
}

func orNext(s string) string {
	if s == "" {
		return "the step to complete"
	}
	return s
}

// describe is one line for an event.
func describe(e *store.Event) string {
	s := e.Type
	if e.Type == "state" {
		s = "state " + e.From + " → " + e.To
	}
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	return s + " at " + e.Time.UTC().Format("15:04:05Z")
}

// progressOf reads install progress from an event's data: bytes written
// and total (any of the usual names), and the rate (reported, or computed
// from the previous report).
func progressOf(e *store.Event, prev *installProgress) *installProgress {
	var d map[string]any
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil {
		return prev
	}
	num := func(keys ...string) float64 {
		for _, k := range keys {
			if f, ok := d[k].(float64); ok {
				return f
			}
		}
		return -1
	}
	written, total := num("bytes", "written", "bytesWritten"), num("total", "size", "bytesTotal")
	if written < 0 {
		return prev
	}
	p := &installProgress{Bytes: int64(written), Total: int64(total)}
	if total > 0 {
		p.Percent = min(100, int(written*100/total))
	}
	switch {
	case num("mbps", "MBps", "mbPerSec") >= 0:
		p.MBPerSec = num("mbps", "MBps", "mbPerSec")
	case num("bytesPerSec", "rate") >= 0:
		p.MBPerSec = num("bytesPerSec", "rate") / 1e6
	}
	return p
}
