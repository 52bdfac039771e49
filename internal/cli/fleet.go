package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
)

// fleetCommand is `slipway fleet [NAME]`, the same as `slipway get fleet`.
func (a *app) fleetCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "fleet [NAME]",
		Short: "Show the health of every cluster, grouped by fleet (same as get fleet)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(output); err != nil {
				return err
			}
			return a.getFleet(cmd.Context(), strings.Join(args, ""), output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", formatTable, "table, json or yaml")
	return cmd
}

// getFleet prints the fleet view, or only fleet name's part of it.
func (a *app) getFleet(ctx context.Context, name, format string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	v, err := c.Fleet(ctx)
	if err != nil {
		return err
	}
	if name != "" {
		v = onlyFleet(v, name)
		if len(v.Fleets) == 0 {
			return fmt.Errorf("fleet %s: not declared", name)
		}
	}
	switch format {
	case formatJSON:
		return writeJSON(a.env.Stdout, v)
	case formatYAML:
		return writeYAML(a.env.Stdout, v)
	}
	writeFleetView(a.env.Stdout, v, a.env.Now())
	return nil
}

func onlyFleet(v api.FleetView, name string) api.FleetView {
	out := api.FleetView{Fleets: []api.FleetGroup{}, Unassigned: []api.FleetCluster{}}
	for _, g := range v.Fleets {
		if g.Name == name {
			out.Fleets = append(out.Fleets, g)
		}
	}
	return out
}

// writeFleetView prints each fleet's clusters as a table, then the
// clusters in no fleet; why a cluster is not ready follows its table.
func writeFleetView(w io.Writer, v api.FleetView, now time.Time) {
	if len(v.Fleets) == 0 && len(v.Unassigned) == 0 {
		fmt.Fprintln(w, "No fleets or clusters declared.")
		return
	}
	for i, g := range v.Fleets {
		if i > 0 {
			fmt.Fprintln(w)
		}
		title := "Fleet " + g.Name
		if g.Description != "" {
			title += ": " + g.Description
		}
		fmt.Fprintf(w, "%s (%s)\n", title, plural(len(g.Clusters), "cluster"))
		writeFleetClusters(w, g.Clusters, now)
	}
	if len(v.Unassigned) > 0 {
		if len(v.Fleets) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "In no fleet (%s)\n", plural(len(v.Unassigned), "cluster"))
		writeFleetClusters(w, v.Unassigned, now)
	}
}

func writeFleetClusters(w io.Writer, cs []api.FleetCluster, now time.Time) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "  <none>")
		return
	}
	tw := newTable(w)
	row(tw, "  NAME", "PHASE", "NODES", "API", "KUBELETS", "HEARTBEAT", "CERTS", "EXPIRING")
	var notes []string
	for _, c := range cs {
		if !c.Declared {
			row(tw, "  "+c.Name, "-", "-", "-", "-", "-", "-", "-")
			notes = append(notes, c.Name+": "+c.Message)
			continue
		}
		hb := "never"
		if !c.Heartbeat.IsZero() {
			hb = age(now, c.Heartbeat) + " ago"
		}
		row(tw, "  "+c.Name, c.Phase, nodes(c.NodesReady, c.NodesTotal), apiHealth(api.ClusterAPI{Ready: c.APIReady, Error: c.APIError}),
			orNone(strings.Join(c.Versions, ",")), hb, day(c.CertsExpire), orNone(strings.Join(c.Expiring, ",")))
		switch {
		case c.Stuck != "":
			notes = append(notes, c.Name+": stuck: "+c.Stuck)
		case c.Message != "" && c.Phase != "ready":
			notes = append(notes, c.Name+": "+c.Message)
		}
	}
	_ = tw.Flush()
	for _, n := range notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (a *app) kubeconfigCommand() *cobra.Command {
	var ttl, out string
	cmd := &cobra.Command{
		Use:   "kubeconfig cluster NAME [--ttl 1h] [-o FILE]",
		Short: "Get a short-lived cluster-admin kubeconfig of a cluster (admin; audited)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "cluster" && args[0] != "clusters" {
				return fmt.Errorf("kubeconfig: %q: only clusters have a kubeconfig", args[0])
			}
			return a.kubeconfig(cmd.Context(), args[1], ttl, out)
		},
	}
	cmd.Flags().StringVar(&ttl, "ttl", "1h", "lifetime of the credentials (at most 24h)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the kubeconfig to this file (mode 0600) instead of standard output")
	return cmd
}

func (a *app) kubeconfig(ctx context.Context, name, ttl, out string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	res, err := c.Kubeconfig(ctx, name, api.KubeconfigRequest{TTL: ttl})
	if err != nil {
		return err
	}
	if out == "" {
		_, err := io.WriteString(a.env.Stdout, res.Kubeconfig)
		return err
	}
	if err := writePrivate(out, []byte(res.Kubeconfig)); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "kubeconfig of cluster %s written to %s (cluster-admin, expires %s)\n", name, out, timestamp(res.ExpiresAt))
	return nil
}

// writePrivate writes data to path readable by its owner only (an existing
// file is truncated and its mode narrowed).
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		return errors.Join(err, f.Close())
	}
	if _, err := f.Write(data); err != nil {
		return errors.Join(err, f.Close())
	}
	return f.Close()
}
