// Package timeline derives a machine's journey (design §2) from its
// events: the phases of its current attempt (power on, DHCP, TFTP, iPXE
// script, kernel, agent, inspect, install, boot to disk, phone home), each
// with its status, times, events and install progress, and, for a failed
// or stuck attempt, the last thing seen and why it stopped. The web UI's
// machine page and `slipway describe machine` both show it.
package timeline

import (
	"fmt"
	"time"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// StuckAfter is how long a machine in a transient state may go without an
// event before its timeline says it looks stuck.
const StuckAfter = 2 * time.Minute

// Phase statuses.
const (
	StatusDone    = "done"
	StatusActive  = "active"
	StatusFailed  = "failed"
	StatusStuck   = "stuck"
	StatusPending = "pending"
)

// Machine is what the timeline needs to know of the machine itself.
type Machine struct {
	State          string
	Reason         string // the state's reason (why it failed)
	FailedStage    string
	StateChangedAt time.Time
}

// Timeline is the current attempt of a machine's journey.
type Timeline struct {
	// Start is the event that began this attempt (a state change into a
	// step); nil when the history has none.
	Start  *store.Event
	Phases []Phase
	// Stopped explains a failed or stuck attempt ("" while all is well).
	Stopped  string
	LastSeen *store.Event
	// Waiting is the phase expected next while the step runs, WaitingFor
	// what that means ("the agent's hardware report").
	Waiting, WaitingFor string
	// Deadline is when the watchdog fails the running step.
	Deadline time.Time
	Total    time.Duration
}

// Phase is one phase of the attempt.
type Phase struct {
	Key, Label, Status string
	Began, Ended       time.Time
	Duration           time.Duration
	Events             []store.Event
	Progress           *Progress // the install's latest progress report
}

// Build derives the current attempt's phases from the machine's events
// (ascending ID order) as of now.
func Build(m Machine, evs []store.Event, now time.Time) Timeline {
	start := 0
	for i := range evs {
		if StartsAttempt(&evs[i]) {
			start = i
		}
	}
	var tl Timeline
	if len(evs) > 0 {
		tl.Start, tl.LastSeen = &evs[start], &evs[len(evs)-1]
	}
	tl.Phases = make([]Phase, len(phases))
	for i, p := range phases {
		tl.Phases[i] = Phase{Key: p.key, Label: p.label, Status: StatusPending}
	}
	reached := place(tl.Phases, evs[start:])
	finish(&tl, m, reached, now)
	return tl
}

// place puts each event into its phase and returns the index of the
// furthest phase reached (-1 for none).
func place(views []Phase, evs []store.Event) int {
	reached, current := -1, -1
	for i := range evs {
		e := &evs[i]
		key := ""
		if reached >= 0 {
			key = phases[reached].key
		}
		phase := Classify(e, key)
		if p := index(phase); p >= 0 && p < reached {
			// the journey only moves forward: a later DHCP (iPXE's own
			// after TFTP, the agent's after the kernel) is part of the
			// phase reached
			phase = phases[reached].key
		}
		if p := index(phase); p >= 0 {
			current, reached = p, max(reached, p)
		}
		if current < 0 {
			continue // before the first phase: the attempt's request
		}
		v := &views[current]
		if v.Began.IsZero() {
			v.Began = e.Time
		}
		if phase != "" { // an event of no phase does not extend one
			v.Ended = e.Time
		}
		v.Events = append(v.Events, *e)
		if v.Key == Install {
			v.Progress = progressOf(decode(e.Type, e.Time, e.Data), v.Progress)
		}
	}
	return reached
}

// finish sets each phase's status and duration, the total, what the step
// waits for, and why the attempt stopped when it did.
func finish(tl *Timeline, m Machine, reached int, now time.Time) {
	running := machine.State(m.State).Transient()
	failed := m.State == string(machine.Failed)
	// A phase takes from the end of the one before it (the attempt's start
	// for the first) to its own last event: the time until the evidence
	// that it is done (the agent's start is the kernel's boot; the phone-home
	// the OS's boot after its DHCP).
	var prevEnd time.Time
	if tl.Start != nil {
		prevEnd = tl.Start.Time
	}
	for i := range tl.Phases {
		v := &tl.Phases[i]
		if v.Began.IsZero() {
			continue
		}
		v.Status = StatusDone
		if !prevEnd.IsZero() && prevEnd.Before(v.Began) {
			v.Began = prevEnd
		}
		if v.Ended.Before(v.Began) {
			v.Ended = v.Began
		}
		v.Duration = v.Ended.Sub(v.Began)
		prevEnd = v.Ended
		if i == reached && (running || failed) {
			v.Status = StatusActive
			if running {
				v.Duration = now.Sub(v.Began)
			}
		}
	}
	if tl.Start != nil {
		tl.Total = tl.LastSeen.Time.Sub(tl.Start.Time)
		if running {
			tl.Total = now.Sub(tl.Start.Time)
		}
	}
	if running {
		next := reached + 1
		if g := goal(m.State); g >= 0 && next > g {
			next = g // the step's own last phase has begun: waiting for it to end
		}
		if next < len(phases) {
			tl.Waiting, tl.WaitingFor = phases[next].label, phases[next].awaits
		}
		tl.Deadline = m.StateChangedAt.Add(machine.State(m.State).Timeout())
	}
	explainStop(tl, m, reached, now)
}

// explainStop says why a failed or stuck machine stopped.
func explainStop(tl *Timeline, m Machine, reached int, now time.Time) {
	mark := func(status string) {
		if reached >= 0 {
			tl.Phases[reached].Status = status
		}
	}
	running := machine.State(m.State).Transient()
	switch {
	case m.State == string(machine.Failed):
		mark(StatusFailed)
		stage := m.FailedStage
		if stage == "" && reached >= 0 {
			stage = phases[reached].label
		}
		tl.Stopped = fmt.Sprintf("Failed while %s: %s", stage, m.Reason)
	case running && tl.LastSeen != nil && now.Sub(tl.LastSeen.Time) > StuckAfter:
		mark(StatusStuck)
		tl.Stopped = fmt.Sprintf("No progress for %s. Last seen: %s. Waiting for %s.",
			Short(now.Sub(tl.LastSeen.Time)), Describe(tl.LastSeen), orNext(tl.WaitingFor))
	case running && tl.LastSeen == nil:
		tl.Stopped = "Nothing heard from this machine yet."
	}
}

func orNext(s string) string {
	if s == "" {
		return "the step to complete"
	}
	return s
}
