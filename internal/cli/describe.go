package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/timeline"
)

func (a *app) describeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "describe machine|cluster NAME",
		Short: "Show a machine (identity, state, power, conditions, spec, hardware, timeline) or a cluster (health, nodes, spec)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch k, _ := inventory.ParseKind(args[0]); k {
			case inventory.KindMachine:
				return a.describeMachine(cmd.Context(), args[1])
			case inventory.KindCluster:
				return a.describeCluster(cmd.Context(), args[1])
			}
			return fmt.Errorf("describe: %q: only machines and clusters can be described", args[0])
		},
	}
}

func (a *app) describeMachine(ctx context.Context, name string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	d, err := c.Machine(ctx, name)
	if err != nil {
		return err
	}
	evs, err := attemptEvents(ctx, c, name)
	if err != nil {
		return err
	}
	tl := timeline.Build(timeline.Machine{State: d.State, Reason: d.StateReason, FailedStage: d.FailedStage,
		StateChangedAt: d.StateChangedAt}, evs, a.env.Now())
	var b bytes.Buffer
	if err := renderMachine(&b, d, tl); err != nil {
		return err
	}
	_, err = b.WriteTo(a.env.Stdout)
	return err
}

// attemptEvents reads the machine's events (every page, in ID order) and
// keeps those of its latest attempt: the timeline's input.
func attemptEvents(ctx context.Context, c *api.Client, name string) ([]store.Event, error) {
	var out []store.Event
	q := api.EventQuery{Machine: name}
	for {
		list, err := c.Events(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("machine %s: events: %w", name, err)
		}
		for _, e := range list.Items {
			if timeline.StartsAttempt(&e) {
				out = out[:0]
			}
			out = append(out, e)
		}
		if list.Continue == "" || len(list.Items) == 0 {
			return out, nil
		}
		q.After = list.Items[len(list.Items)-1].ID
	}
}

// renderMachine writes the describe view of one machine.
func renderMachine(w io.Writer, d api.MachineDetail, tl timeline.Timeline) error {
	m := d.Machine
	tw := newTable(w)
	field := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	field("Name", m.Name)
	field("MAC", m.MAC)
	field("Labels", labelString(m.Labels))
	field("State", m.State)
	if m.FailedStage != "" {
		field("Failed in", m.FailedStage)
	}
	field("Reason", orNone(m.StateReason))
	field("State since", timestamp(m.StateChangedAt))
	if m.Phase != "" {
		field("Phase", m.Phase)
	}
	field("Power", orNone(m.Power))
	field("Allowed", orNone(strings.Join(m.Allowed, ", ")))
	field("Revision", fmt.Sprint(m.Revision))
	field("Created", timestamp(m.CreatedAt))
	if err := tw.Flush(); err != nil {
		return err
	}
	writeConditions(w, m)
	if err := writeBlock(w, "Spec (declared)", m.Spec, m.Spec == nil); err != nil {
		return err
	}
	if err := writeBlock(w, "Hardware (inspected)", json.RawMessage(m.Hardware), len(m.Hardware) == 0); err != nil {
		return err
	}
	writeOperations(w, d)
	writeTimeline(w, tl)
	writeEvents(w, d)
	return nil
}

func writeConditions(w io.Writer, m api.Machine) {
	if len(m.Conditions) == 0 {
		fmt.Fprintln(w, "Conditions:  <none>")
		return
	}
	fmt.Fprintln(w, "Conditions:")
	tw := newTable(w)
	row(tw, "  TYPE", "REASON", "SINCE", "MESSAGE")
	for _, c := range m.Conditions {
		row(tw, "  "+c.Type, orNone(c.Reason), timestamp(c.Since), c.Message)
	}
	_ = tw.Flush()
}

// writeBlock prints a titled YAML block, indented, or <none>.
func writeBlock(w io.Writer, title string, v any, empty bool) error {
	if empty {
		fmt.Fprintf(w, "%s:  <none>\n", title)
		return nil
	}
	y, err := toYAML(v)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s:\n", title)
	for line := range strings.SplitSeq(strings.TrimRight(string(y), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	return nil
}

func writeOperations(w io.Writer, d api.MachineDetail) {
	if len(d.Operations) == 0 {
		return
	}
	fmt.Fprintln(w, "Operations:")
	tw := newTable(w)
	row(tw, "  CREATED", "ACTION", "STATUS", "ACTOR", "MESSAGE")
	for _, op := range d.Operations {
		row(tw, "  "+timestamp(op.CreatedAt), op.Action, op.Status, op.Actor, op.Message)
	}
	_ = tw.Flush()
}

// writeTimeline prints the current attempt's phases, one line each with
// its status and duration, the total, and why a failed or stuck attempt
// stopped.
func writeTimeline(w io.Writer, tl timeline.Timeline) {
	if tl.Start == nil {
		fmt.Fprintln(w, "Timeline:  <none>")
		return
	}
	if !began(tl) && tl.Waiting == "" && tl.Stopped == "" {
		fmt.Fprintf(w, "Timeline:  <none> since %s: %s\n", timestamp(tl.Start.Time), timeline.Summary(tl.Start))
		return
	}
	fmt.Fprintf(w, "Timeline:  attempt began %s: %s\n", timestamp(tl.Start.Time), timeline.Summary(tl.Start))
	for _, p := range tl.Phases {
		dur := "-"
		if !p.Began.IsZero() {
			dur = timeline.Precise(p.Duration)
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-16s %-8s %-7s %s", p.Label, p.Status, dur, progressNote(p.Progress)), " "))
	}
	fmt.Fprintf(w, "  %-16s %-8s %s\n", "Total", "", timeline.Precise(tl.Total))
	if tl.Stopped != "" {
		fmt.Fprintf(w, "  Stopped:     %s\n", tl.Stopped)
		if tl.LastSeen != nil && !strings.Contains(tl.Stopped, "Last seen") {
			fmt.Fprintf(w, "  Last seen:   %s\n", timeline.Describe(tl.LastSeen))
		}
	}
	if tl.Waiting != "" {
		fmt.Fprintf(w, "  Waiting for: %s (%s); the watchdog fails the step at %s\n", tl.Waiting, tl.WaitingFor, timestamp(tl.Deadline))
	}
}

// began reports whether any phase of the attempt began.
func began(tl timeline.Timeline) bool {
	for _, p := range tl.Phases {
		if !p.Began.IsZero() {
			return true
		}
	}
	return false
}

// progressNote is the install's figures: "(48 MiB at 31.5 MB/s)" once done,
// "(download 40%: 19 of 48 MiB at 25.0 MB/s)" while it runs.
func progressNote(p *timeline.Progress) string {
	if p == nil {
		return ""
	}
	mib := func(n int64) string { return fmt.Sprintf("%.0f", float64(n)/(1<<20)) }
	rate := ""
	if p.MBPerSec > 0 {
		rate = fmt.Sprintf(" at %.1f MB/s", p.MBPerSec)
	}
	if p.Done {
		return "(" + mib(p.Bytes) + " MiB" + rate + ")"
	}
	s := "(" + strings.TrimSpace(fmt.Sprintf("%s %d%%", p.Phase, p.Percent)) + ": " + mib(p.Bytes)
	if p.Total > 0 {
		s += " of " + mib(p.Total)
	}
	return s + " MiB" + rate + ")"
}

// writeEvents prints the machine's last events, oldest first.
func writeEvents(w io.Writer, d api.MachineDetail) {
	if len(d.Events) == 0 {
		fmt.Fprintln(w, "Events:  <none>")
		return
	}
	fmt.Fprintln(w, "Events:")
	tw := newTable(w)
	row(tw, "  TIME", "TYPE", "CHANGE", "ACTOR", "MESSAGE")
	for _, e := range collapseProgress(d.Events) {
		row(tw, "  "+timestamp(e.Time), e.Type, change(e.From, e.To, e.Cause), orNone(e.Actor), eventMessage(e.Reason, e.Message))
	}
	_ = tw.Flush()
}

// collapseProgress keeps the last of each run of install.progress events
// (one a second while installing), its message saying how many it stands for.
func collapseProgress(evs []store.Event) []store.Event {
	out := make([]store.Event, 0, len(evs))
	run := 0
	for i, e := range evs {
		if e.Type == agent.EventProgress {
			run++
			if i+1 < len(evs) && evs[i+1].Type == agent.EventProgress {
				continue
			}
			if run > 1 {
				e.Message = fmt.Sprintf("%s (last of %d reports)", e.Message, run)
			}
		}
		run = 0
		out = append(out, e)
	}
	return out
}

// change renders a state change "registered → inspecting (inspect)".
func change(from, to, cause string) string {
	if from == "" && to == "" {
		return "-"
	}
	s := to
	if from != "" && from != to {
		s = from + " → " + to
	}
	if cause != "" {
		s += " (" + cause + ")"
	}
	return s
}

func eventMessage(reason, msg string) string {
	switch {
	case reason != "" && msg != "":
		return reason + ": " + msg
	case msg != "":
		return msg
	}
	return reason
}
