package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/api"
)

// dateOnly is how tables show a day (a certificate's expiry).
const dateOnly = "2006-01-02"

func (a *app) getClusters(ctx context.Context, c *api.Client, name string, sel map[string]string, format string) error {
	var items []api.Cluster
	if name != "" {
		cl, err := c.Cluster(ctx, name)
		if err != nil {
			return err
		}
		items = []api.Cluster{cl}
	} else {
		list, err := c.Clusters(ctx)
		if err != nil {
			return err
		}
		for _, cl := range list.Items {
			if matches(cl.Labels, sel) {
				items = append(items, cl)
			}
		}
	}
	if len(items) == 0 && format == formatTable {
		_, err := io.WriteString(a.env.Stderr, "No clusters found.\n")
		return err
	}
	return printResult(a.env.Stdout, format, items, name != "", func(w io.Writer, cs []api.Cluster) {
		clusterTable(w, cs, a.env.Now())
	})
}

// clusterTable prints one row per cluster; AGE is how long it has been in
// its phase.
func clusterTable(w io.Writer, cs []api.Cluster, now time.Time) {
	row(w, "NAME", "VERSION", "PHASE", "NODES", "API", "FLEET", "CERTS", "AGE")
	for _, cl := range cs {
		st := cl.Status
		since := st.Since
		if since.IsZero() {
			since = cl.CreatedAt
		}
		row(w, cl.Name, orNone(st.Version), st.Phase, nodes(st.NodesReady, st.NodesTotal), apiHealth(st.API),
			orNone(strings.Join(st.Fleets, ",")), day(st.CertsExpire), age(now, since))
	}
}

func nodes(ready, total int) string { return fmt.Sprintf("%d/%d", ready, total) }

// apiHealth is the last probe of a cluster's API: ready, down, or - when
// it was never probed.
func apiHealth(s api.ClusterAPI) string {
	switch {
	case s.Ready:
		return "ready"
	case s.Error != "":
		return "down"
	}
	return "-"
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(dateOnly)
}

// never is timestamp, saying "never" for a zero time.
func never(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return timestamp(t)
}

func (a *app) describeCluster(ctx context.Context, name string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	cl, err := c.Cluster(ctx, name)
	if err != nil {
		return err
	}
	return renderCluster(a.env.Stdout, cl, a.env.Now())
}

// renderCluster writes the describe view of one cluster: its status, why
// it is stuck, its nodes and its declared spec.
func renderCluster(w io.Writer, cl api.Cluster, now time.Time) error {
	st := cl.Status
	tw := newTable(w)
	field := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	field("Name", cl.Name)
	field("Labels", labelString(cl.Labels))
	field("Version", orNone(st.Version))
	phase := st.Phase
	if !st.Since.IsZero() {
		phase += fmt.Sprintf(" since %s (%s)", timestamp(st.Since), age(now, st.Since))
	}
	field("Phase", phase)
	field("Message", orNone(st.Message))
	if s := st.Stuck; s != nil {
		field("Stuck", stuckText(s))
	}
	field("Endpoint", orNone(st.Endpoint))
	probe := apiHealth(st.API)
	if st.API.Error != "" {
		probe += ": " + st.API.Error
	}
	field("API", probe)
	field("Heartbeat", never(st.Heartbeat))
	field("Fleets", orNone(strings.Join(st.Fleets, ", ")))
	field("Nodes ready", nodes(st.NodesReady, st.NodesTotal))
	field("Kubelets", orNone(strings.Join(st.Versions, ", ")))
	certs := "-"
	if !st.CertsExpire.IsZero() {
		certs = "first expires " + timestamp(st.CertsExpire)
	}
	if len(st.Expiring) > 0 {
		certs += "; expiring soon: " + strings.Join(st.Expiring, ", ")
	}
	field("Certificates", certs)
	field("Checked", never(st.CheckedAt))
	field("Revision", fmt.Sprint(cl.Revision))
	field("Created", timestamp(cl.CreatedAt))
	if err := tw.Flush(); err != nil {
		return err
	}
	writeNodes(w, st.Nodes)
	return writeBlock(w, "Spec (declared)", cl.Spec, len(cl.Spec) == 0)
}

func stuckText(s *api.ClusterStuck) string {
	t := s.Phase + ": " + s.Reason
	if s.Machine != "" {
		t += " (machine " + s.Machine + ")"
	}
	return t + " since " + timestamp(s.Since)
}

func writeNodes(w io.Writer, ns []api.ClusterNode) {
	if len(ns) == 0 {
		fmt.Fprintln(w, "Nodes:  <none>")
		return
	}
	fmt.Fprintln(w, "Nodes:")
	tw := newTable(w)
	row(tw, "  NAME", "ROLE", "MACHINE", "REGISTERED", "READY", "VERSION", "POD-CIDR")
	for _, n := range ns {
		row(tw, "  "+n.Name, n.Role, orNone(n.Machine), yesNo(n.Registered), yesNo(n.Ready), orNone(n.Version), orNone(n.PodCIDR))
	}
	_ = tw.Flush()
}
