package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

func (a *app) describeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "describe machine NAME",
		Short: "Show a machine: identity, state, power, conditions, spec, hardware and its timeline",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if k, err := inventory.ParseKind(args[0]); err != nil || k != inventory.KindMachine {
				return fmt.Errorf("describe: %q: only machines can be described", args[0])
			}
			return a.describeMachine(cmd.Context(), args[1])
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
	var b bytes.Buffer
	if err := renderMachine(&b, d); err != nil {
		return err
	}
	_, err = b.WriteTo(a.env.Stdout)
	return err
}

// renderMachine writes the describe view of one machine.
func renderMachine(w io.Writer, d api.MachineDetail) error {
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
	writeTimeline(w, d)
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

// writeTimeline prints the machine's last events, oldest first.
func writeTimeline(w io.Writer, d api.MachineDetail) {
	if len(d.Events) == 0 {
		fmt.Fprintln(w, "Events:  <none>")
		return
	}
	fmt.Fprintln(w, "Events:")
	tw := newTable(w)
	row(tw, "  TIME", "TYPE", "CHANGE", "ACTOR", "MESSAGE")
	for _, e := range d.Events {
		row(tw, "  "+timestamp(e.Time), e.Type, change(e.From, e.To, e.Cause), orNone(e.Actor), eventMessage(e.Reason, e.Message))
	}
	_ = tw.Flush()
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
