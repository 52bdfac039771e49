package cli

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

type getFlags struct {
	output string
	labels []string
	state  string
}

func (a *app) getCommand() *cobra.Command {
	var f getFlags
	cmd := &cobra.Command{
		Use:   "get machines|networks|images|clusters|fleets|credentials|fleet [NAME]",
		Short: "List objects, or show one (get fleet: every cluster's health, grouped by fleet)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.get(cmd.Context(), args, f)
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", formatTable, "table, json or yaml")
	cmd.Flags().StringArrayVarP(&f.labels, "selector", "l", nil, "only objects with this label (key=value; repeatable)")
	cmd.Flags().StringVar(&f.state, "state", "", "only machines in this state")
	return cmd
}

func (a *app) get(ctx context.Context, args []string, f getFlags) error {
	if err := checkFormat(f.output); err != nil {
		return err
	}
	if args[0] == "fleet" { // the fleet view (get fleets lists the Fleet objects)
		return a.getFleet(ctx, strings.Join(args[1:], ""), f.output)
	}
	kind, err := inventory.ParseKind(args[0])
	if err != nil {
		return err
	}
	if f.state != "" && kind != inventory.KindMachine {
		return errors.New("--state applies to machines only")
	}
	sel, err := parseLabels(f.labels)
	if err != nil {
		return err
	}
	name := ""
	if len(args) == 2 {
		name = args[1]
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	switch kind {
	case inventory.KindMachine:
		return a.getMachines(ctx, c, name, f)
	case inventory.KindCredentials:
		return a.getCredentials(ctx, c, name, f.output)
	case inventory.KindImage:
		return a.getImages(ctx, c, name, sel, f.output)
	case inventory.KindCluster:
		return a.getClusters(ctx, c, name, sel, f.output)
	}
	return a.getObjects(ctx, c, kind, name, sel, f.output)
}

// printResult prints one object or a list in the chosen format; table
// renders the items.
func printResult[T any](w io.Writer, format string, items []T, single bool, table func(io.Writer, []T)) error {
	switch {
	case format == formatJSON && single:
		return writeJSON(w, items[0])
	case format == formatJSON:
		return writeJSON(w, api.List[T]{Items: items})
	case format == formatYAML && single:
		return writeYAML(w, items[0])
	case format == formatYAML:
		return writeYAML(w, api.List[T]{Items: items})
	}
	tw := newTable(w)
	table(tw, items)
	return tw.Flush()
}

func (a *app) getMachines(ctx context.Context, c *api.Client, name string, f getFlags) error {
	var items []api.Machine
	if name != "" {
		d, err := c.Machine(ctx, name)
		if err != nil {
			return err
		}
		items = []api.Machine{d.Machine}
	} else {
		list, err := c.Machines(ctx, api.MachineQuery{State: f.state, Labels: f.labels})
		if err != nil {
			return err
		}
		items = list.Items
	}
	if len(items) == 0 && f.output == formatTable {
		_, err := io.WriteString(a.env.Stderr, "No machines found.\n")
		return err
	}
	members := map[string]string{}
	if f.output == formatTable {
		members = clusterMembers(ctx, c)
	}
	return printResult(a.env.Stdout, f.output, items, name != "", func(w io.Writer, ms []api.Machine) {
		a.machineTable(w, ms, members)
	})
}

// clusterMembers maps each machine a cluster lists (by name, selector or
// its spec.cluster, as the appliance decides) to that cluster; empty when
// the clusters cannot be read.
func clusterMembers(ctx context.Context, c *api.Client) map[string]string {
	out := map[string]string{}
	list, err := c.Clusters(ctx)
	if err != nil {
		return out
	}
	for _, cl := range list.Items {
		for _, n := range cl.Status.Nodes {
			out[n.Name] = cl.Name
		}
	}
	return out
}

func (a *app) machineTable(w io.Writer, ms []api.Machine, members map[string]string) {
	now := a.env.Now()
	row(w, "NAME", "STATE", "POWER", "MAC", "BMC", "CLUSTER", "AGE")
	for _, m := range ms {
		bmc, cluster := "", members[m.Name]
		if m.Spec != nil {
			if cluster == "" {
				cluster = m.Spec.Cluster
			}
			if m.Spec.BMC != nil {
				bmc = m.Spec.BMC.Address
			}
		}
		row(w, m.Name, m.State, orNone(m.Power), m.MAC, orNone(bmc), orNone(cluster), age(now, m.CreatedAt))
	}
}

func (a *app) getCredentials(ctx context.Context, c *api.Client, name, format string) error {
	var items []api.Credentials
	if name != "" {
		cr, err := c.Credential(ctx, name)
		if err != nil {
			return err
		}
		items = []api.Credentials{cr}
	} else {
		list, err := c.Credentials(ctx)
		if err != nil {
			return err
		}
		items = list.Items
	}
	if len(items) == 0 && format == formatTable {
		_, err := io.WriteString(a.env.Stderr, "No credentials found.\n")
		return err
	}
	return printResult(a.env.Stdout, format, items, name != "", func(w io.Writer, cs []api.Credentials) {
		now := a.env.Now()
		row(w, "NAME", "USERNAME", "DECLARED", "SECRET", "AGE")
		for _, cr := range cs {
			row(w, cr.Name, orNone(cr.Username), yesNo(cr.Declared), yesNo(cr.HasSecret), age(now, cr.CreatedAt))
		}
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (a *app) getObjects(ctx context.Context, c *api.Client, kind inventory.Kind, name string,
	sel map[string]string, format string) error {
	var items []api.Object
	if name != "" {
		o, err := c.Object(ctx, kind, name)
		if err != nil {
			return err
		}
		items = []api.Object{o}
	} else {
		list, err := c.Objects(ctx, kind)
		if err != nil {
			return err
		}
		for _, o := range list.Items {
			if matches(o.Labels, sel) {
				items = append(items, o)
			}
		}
	}
	if len(items) == 0 && format == formatTable {
		_, err := io.WriteString(a.env.Stderr, "No "+api.Plural(kind)+" found.\n")
		return err
	}
	return printResult(a.env.Stdout, format, items, name != "", func(w io.Writer, os []api.Object) {
		a.objectTable(w, kind, os)
	})
}
