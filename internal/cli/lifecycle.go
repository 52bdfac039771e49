package cli

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/machine"
)

// lifecycleVerb is a command that asks for a lifecycle transition, and the
// states that end its --wait.
type lifecycleVerb struct {
	use, short, action string
	done               []machine.State
}

var lifecycleVerbs = []lifecycleVerb{
	{"provision NAME...", "Install each machine's declared image: network boot through the BMC, inspect, BOM check, install, boot from disk",
		string(machine.Provision), []machine.State{machine.Active, machine.Joining}},
	{"inspect NAME...", "Inspect each machine's hardware with the agent and check it against its BOM",
		string(machine.Inspect), []machine.State{machine.Ready}},
	{"deprovision NAME...", "Wipe each machine's disks with the agent (it becomes ready again)",
		string(machine.Deprovision), []machine.State{machine.Ready}},
	{"reset NAME...", "Clear each failed machine (it becomes registered)", string(machine.Reset), nil},
}

// lifecycleCommands are provision, inspect, deprovision, reset and maintenance.
func (a *app) lifecycleCommands() []*cobra.Command {
	cmds := make([]*cobra.Command, 0, len(lifecycleVerbs)+1)
	for _, v := range lifecycleVerbs {
		cmds = append(cmds, a.lifecycleCommand(v))
	}
	return append(cmds, a.maintenanceCommand())
}

func (a *app) lifecycleCommand(v lifecycleVerb) *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
		reason  string
	)
	cmd := &cobra.Command{
		Use: v.use, Short: v.short, Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.transition(cmd.Context(), args, v, reason, wait, timeout)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded on the machine's timeline)")
	if v.done != nil {
		cmd.Flags().BoolVar(&wait, "wait", false, "wait until every machine is "+statesText(v.done)+" or failed, printing each state change")
		cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "how long --wait waits")
	}
	return cmd
}

func (a *app) maintenanceCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "maintenance on|off NAME...",
		Short: "Hold machines for maintenance (nothing boots them), or release them",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action := map[string]machine.Trigger{"on": machine.MaintenanceOn, "off": machine.MaintenanceOff}[args[0]]
			if action == "" {
				return fmt.Errorf("maintenance %q: want on or off", args[0])
			}
			return a.transition(cmd.Context(), args[1:], lifecycleVerb{action: string(action)}, reason, false, 0)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (shown on the machine while it is held)")
	return cmd
}

// transition asks for the action on every machine, prints the new state
// of each, and with wait follows them until done.
func (a *app) transition(ctx context.Context, names []string, v lifecycleVerb, reason string, wait bool, timeout time.Duration) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	req := api.ActionRequest{Action: v.action}
	if reason != "" {
		req.Params = map[string]string{"reason": reason}
	}
	failed := 0
	var started []string
	for _, n := range names {
		if _, err := c.Action(ctx, n, req); err != nil {
			fmt.Fprintf(a.env.Stdout, "%s: %s: refused: %v\n", n, v.action, err)
			failed++
			continue
		}
		m, err := c.Machine(ctx, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.env.Stdout, "%s: %s: %s\n", n, v.action, m.State)
		started = append(started, n)
	}
	if wait && len(started) > 0 {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		failed += a.waitStates(ctx, c, started, v.done)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d machines did not %s", failed, len(names), v.action)
	}
	return nil
}

// waitStates polls the machines until each is in one of done or failed,
// printing every state and phase change; it returns how many did not make it.
func (a *app) waitStates(ctx context.Context, c *api.Client, names []string, done []machine.State) int {
	last := map[string]string{}
	pending := slices.Clone(names)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	bad := 0
	for len(pending) > 0 {
		for _, n := range slices.Clone(pending) {
			m, err := c.Machine(ctx, n)
			if err != nil {
				continue
			}
			if now := m.State + " " + m.Phase; now != last[n] {
				last[n] = now
				fmt.Fprintf(a.env.Stdout, "%s  %s: %s%s\n", time.Now().Format("15:04:05"), n, m.State, phaseSuffix(m.Phase, m.StateReason))
			}
			st := machine.State(m.State)
			if slices.Contains(done, st) || st == machine.Failed {
				pending = slices.DeleteFunc(pending, func(s string) bool { return s == n })
				if st == machine.Failed {
					bad++
				}
			}
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(a.env.Stdout, "gave up waiting for %v: %v\n", pending, ctx.Err())
			return bad + len(pending)
		case <-t.C:
		}
	}
	return bad
}

func phaseSuffix(phase, reason string) string {
	switch {
	case phase != "":
		return " (" + phase + ")"
	case reason != "":
		return ": " + reason
	}
	return ""
}

func statesText(s []machine.State) string {
	out := ""
	for i, st := range s {
		if i > 0 {
			out += " or "
		}
		out += string(st)
	}
	return out
}
