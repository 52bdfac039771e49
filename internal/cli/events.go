package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
)

type eventsFlags struct {
	follow  bool
	machine string
	typ     string
}

func (a *app) eventsCommand() *cobra.Command {
	var f eventsFlags
	cmd := &cobra.Command{
		Use:   "events [-f] [--machine NAME] [--type TYPE]",
		Short: "List events; -f keeps following new ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.events(cmd.Context(), f)
		},
	}
	cmd.Flags().BoolVarP(&f.follow, "follow", "f", false, "keep streaming new events (reconnects on its own)")
	cmd.Flags().StringVar(&f.machine, "machine", "", "only this machine's events")
	cmd.Flags().StringVar(&f.typ, "type", "", `only this type ("state"), or a prefix ending in "." ("power.")`)
	return cmd
}

// eventFormat is one event line: fixed widths so that followed events line
// up with the listed ones without buffering.
const eventFormat = "%-20s  %-10s  %-16s  %-32s  %-16s  %s\n"

func writeEventHeader(w io.Writer) {
	fmt.Fprintf(w, eventFormat, "TIME", "MACHINE", "TYPE", "CHANGE", "ACTOR", "MESSAGE")
}

func writeEvent(w io.Writer, e store.Event) {
	machine := e.Machine
	if machine == "" {
		machine = "-"
	}
	fmt.Fprintf(w, eventFormat, timestamp(e.Time), machine, e.Type, change(e.From, e.To, e.Cause),
		orNone(e.Actor), eventMessage(e.Reason, e.Message))
}

func (a *app) events(ctx context.Context, f eventsFlags) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	q := api.EventQuery{Machine: f.machine, Type: f.typ}
	w := a.env.Stdout
	writeEventHeader(w)
	if f.follow {
		err := c.FollowEvents(ctx, q, 0, func(e store.Event) error {
			writeEvent(w, e)
			return nil
		})
		if errors.Is(err, context.Canceled) {
			return nil // interrupted: a normal end of -f
		}
		return err
	}
	for {
		list, err := c.Events(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range list.Items {
			writeEvent(w, e)
		}
		if list.Continue == "" || len(list.Items) == 0 {
			return nil
		}
		q.After = list.Items[len(list.Items)-1].ID
	}
}
