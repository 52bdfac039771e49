package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
)

// operationPoll is how often a waiting command asks for its operations.
const operationPoll = 200 * time.Millisecond

// powerVerbs maps `slipway power VERB` to the API action.
var powerVerbs = map[string]string{
	"on": "power-on", "off": "power-off", "soft-off": "power-soft-off", "cycle": "power-cycle", "reset": "power-reset",
}

// bmcCommands are the commands that act through a machine's BMC.
func (a *app) bmcCommands() []*cobra.Command {
	return []*cobra.Command{a.powerCommand(), a.bootdevCommand(), a.mediaCommand()}
}

func (a *app) powerCommand() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "power on|off|soft-off|cycle|reset NAME...",
		Short: "Power machines on or off through their BMCs and wait until the state is verified",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, ok := powerVerbs[args[0]]
			if !ok {
				return fmt.Errorf("power %q: want on, off, soft-off, cycle or reset", args[0])
			}
			return a.runActions(cmd.Context(), args[1:], api.ActionRequest{Action: action}, timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the results")
	return cmd
}

func (a *app) bootdevCommand() *cobra.Command {
	var (
		timeout            time.Duration
		persistent, legacy bool
		uefi               bool
	)
	cmd := &cobra.Command{
		Use:   "bootdev NAME pxe|disk|cdrom|bios [--persistent] [--uefi|--legacy]",
		Short: "Set a machine's next boot device through its BMC (once unless --persistent; UEFI unless --legacy)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if uefi && legacy {
				return errors.New("--uefi and --legacy exclude each other")
			}
			params := map[string]string{"device": args[1], "mode": "uefi"}
			if legacy {
				params["mode"] = "legacy"
			}
			if persistent {
				params["persistent"] = "true"
			}
			return a.runActions(cmd.Context(), args[:1], api.ActionRequest{Action: "bootdev", Params: params}, timeout)
		},
	}
	cmd.Flags().BoolVar(&persistent, "persistent", false, "every boot, not only the next one")
	cmd.Flags().BoolVar(&uefi, "uefi", false, "boot in UEFI mode (the default)")
	cmd.Flags().BoolVar(&legacy, "legacy", false, "boot in legacy BIOS mode")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the result")
	return cmd
}

func (a *app) mediaCommand() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "media insert NAME URL | media eject NAME",
		Short: "Insert an ISO image as a virtual CD, or eject it, through a machine's Redfish BMC",
		Args:  cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case args[0] == "insert" && len(args) == 3:
				r := api.ActionRequest{Action: "media-insert", Params: map[string]string{"url": args[2]}}
				return a.runActions(cmd.Context(), args[1:2], r, timeout)
			case args[0] == "eject" && len(args) == 2:
				return a.runActions(cmd.Context(), args[1:2], api.ActionRequest{Action: "media-eject"}, timeout)
			}
			return errors.New("usage: slipway media insert NAME URL | slipway media eject NAME")
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the result")
	return cmd
}

// runActions starts the action on every machine, waits for each operation
// to end, prints one line per machine, and fails when any of them failed.
func (a *app) runActions(ctx context.Context, machines []string, r api.ActionRequest, timeout time.Duration) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ops := make(map[string]string, len(machines)) // machine → operation id
	failed := 0
	for _, m := range machines {
		ref, err := c.Action(ctx, m, r)
		if err != nil {
			fmt.Fprintf(a.env.Stdout, "%s: %s: failed: %v\n", m, describeAction(r), err)
			failed++
			continue
		}
		ops[m] = ref.ID
	}
	for _, m := range machines {
		id, ok := ops[m]
		if !ok {
			continue
		}
		op, err := waitOperation(ctx, c, id)
		switch {
		case err != nil:
			fmt.Fprintf(a.env.Stdout, "%s: %s: %s: no result: %v\n", m, describeAction(r), id, err)
			failed++
		case op.Status == store.OpSucceeded:
			fmt.Fprintf(a.env.Stdout, "%s: %s: succeeded\n", m, describeAction(r))
		default:
			fmt.Fprintf(a.env.Stdout, "%s: %s: failed: %s\n", m, describeAction(r), op.Message)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d machines failed", failed, len(machines))
	}
	return nil
}

// waitOperation polls the operation until it succeeded or failed.
func waitOperation(ctx context.Context, c *api.Client, id string) (store.Operation, error) {
	t := time.NewTicker(operationPoll)
	defer t.Stop()
	for {
		op, err := c.Operation(ctx, id)
		if err != nil {
			return op, err
		}
		if op.Status == store.OpSucceeded || op.Status == store.OpFailed {
			return op, nil
		}
		select {
		case <-ctx.Done():
			return op, fmt.Errorf("still %s (%s) when the wait ended", op.Status, op.Message)
		case <-t.C:
		}
	}
}

func describeAction(r api.ActionRequest) string {
	s := strings.ReplaceAll(r.Action, "-", " ")
	if d := r.Params["device"]; d != "" {
		s += " " + d
	}
	return s
}
