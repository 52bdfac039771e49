package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/kube"
	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults for what a Cluster leaves out.
const (
	DefaultPodCIDR     = "10.244.0.0/16"
	DefaultServiceCIDR = "10.96.0.0/12"
	DNSDomain          = "cluster.local"
	// nodePodBits is the size of each node's slice of the pod range.
	nodePodBits = 24
)

// member is one machine of a cluster as the appliance sees it.
type member struct {
	Name  string
	Role  kube.Role
	IP    netip.Addr
	State string    // the machine's lifecycle state ("" if it has no record)
	Since time.Time // when it entered State
	// Reason is why it is in State (a failed machine's stage and reason).
	Reason string
}

// clusterSpec reads a declared Cluster.
func clusterSpec(tx *store.Tx, name string) (inventory.ClusterSpec, error) {
	var spec inventory.ClusterSpec
	o, err := tx.GetObject(string(inventory.KindCluster), name)
	if err != nil {
		return spec, fmt.Errorf("cluster %s: %w", name, err)
	}
	if err := json.Unmarshal(o.Spec, &spec); err != nil {
		return spec, fmt.Errorf("cluster %s: stored spec: %w", name, err)
	}
	return spec, nil
}

// members lists the cluster's machines: the declared control plane in
// order, then the workers (named, selected by labels, or naming the
// cluster in spec.cluster) by name. Each machine appears once.
func members(tx *store.Tx, name string, spec inventory.ClusterSpec) ([]member, error) {
	objs, err := tx.ListObjects(string(inventory.KindMachine))
	if err != nil {
		return nil, err
	}
	byName := map[string]store.Object{}
	for _, o := range objs {
		byName[o.Name] = o
	}
	var out []member
	for _, n := range spec.ControlPlane.Machines {
		o, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("cluster %s: spec.controlPlane.machines: machine %s is not declared", name, n)
		}
		m, err := newMember(tx, o, kube.RoleControlPlane)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, o := range objs { // ListObjects is ordered by name
		if slices.Contains(spec.ControlPlane.Machines, o.Name) || !isWorker(name, spec, o) {
			continue
		}
		m, err := newMember(tx, o, kube.RoleWorker)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func isWorker(cluster string, spec inventory.ClusterSpec, o store.Object) bool {
	if slices.Contains(spec.Workers.Machines, o.Name) {
		return true
	}
	var ms inventory.MachineSpec
	if json.Unmarshal(o.Spec, &ms) == nil && ms.Cluster == cluster {
		return true
	}
	if len(spec.Workers.Selector) == 0 {
		return false
	}
	for k, v := range spec.Workers.Selector {
		if o.Labels[k] != v {
			return false
		}
	}
	return true
}

func newMember(tx *store.Tx, o store.Object, role kube.Role) (member, error) {
	var ms inventory.MachineSpec
	if err := json.Unmarshal(o.Spec, &ms); err != nil {
		return member{}, fmt.Errorf("machine %s: stored spec: %w", o.Name, err)
	}
	m := member{Name: o.Name, Role: role}
	if ms.IP != "" {
		ip, err := netip.ParseAddr(ms.IP)
		if err != nil {
			return member{}, fmt.Errorf("machine %s: spec.ip: %w", o.Name, err)
		}
		m.IP = ip
	}
	rec, err := tx.GetMachine(o.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return member{}, err
	default:
		m.State, m.Since, m.Reason = rec.State, rec.StateChangedAt, rec.StateReason
		if rec.FailedStage != "" {
			m.Reason = "in " + rec.FailedStage + ": " + rec.StateReason
		}
	}
	return m, nil
}

// shape builds the kube.Cluster of declared cluster name from its members,
// giving each node a slice of the pod range (recorded in st, so a node
// keeps its slice for the cluster's life).
func shape(name string, spec inventory.ClusterSpec, ms []member, st *state) (kube.Cluster, error) {
	pod, err := netip.ParsePrefix(or(spec.PodCIDR, DefaultPodCIDR))
	if err != nil {
		return kube.Cluster{}, fmt.Errorf("cluster %s: spec.podCIDR: %w", name, err)
	}
	svc, err := netip.ParsePrefix(or(spec.ServiceCIDR, DefaultServiceCIDR))
	if err != nil {
		return kube.Cluster{}, fmt.Errorf("cluster %s: spec.serviceCIDR: %w", name, err)
	}
	c := kube.Cluster{Name: name, Version: spec.KubernetesVersion, ServiceCIDR: svc, PodCIDR: pod, DNSDomain: DNSDomain}
	for _, m := range ms {
		if !m.IP.IsValid() {
			return kube.Cluster{}, fmt.Errorf("cluster %s: machine %s: spec.ip is required for a cluster node (its certificates and the pod routes name it)", name, m.Name)
		}
		cidr, err := st.podCIDR(m.Name, pod)
		if err != nil {
			return kube.Cluster{}, fmt.Errorf("cluster %s: node %s: %w", name, m.Name, err)
		}
		c.Nodes = append(c.Nodes, kube.Node{Name: m.Name, IP: m.IP, Role: m.Role, PodCIDR: cidr})
	}
	c.Endpoint = endpoint(spec.ControlPlane.Endpoint)
	if c.Endpoint == "" {
		if cp := c.ControlPlane(); len(cp) == 1 {
			c.Endpoint = netip.AddrPortFrom(cp[0].IP, kube.APIServerPort).String()
		} else {
			return kube.Cluster{}, fmt.Errorf("cluster %s: spec.controlPlane.endpoint is required with %d control-plane machines (a VIP they share)", name, len(cp))
		}
	}
	if err := c.Validate(); err != nil {
		return kube.Cluster{}, fmt.Errorf("cluster %s: %w", name, err)
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// endpoint turns a declared endpoint (host, host:port or https://host[:port])
// into host:port, the API port when none is given.
func endpoint(s string) string {
	if s == "" {
		return ""
	}
	if u, err := url.Parse(s); err == nil && u.Scheme == "https" && u.Host != "" {
		s = u.Host
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(s, strconv.Itoa(kube.APIServerPort))
}

// ClusterOf returns the declared cluster machine belongs to ("" for none):
// the one whose control plane or workers list it, whose worker selector
// matches its labels, or the one its spec.cluster names.
func ClusterOf(tx *store.Tx, machine string) (string, error) {
	o, err := tx.GetObject(string(inventory.KindMachine), machine)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	clusters, err := tx.ListObjects(string(inventory.KindCluster))
	if err != nil {
		return "", err
	}
	for _, c := range clusters {
		var spec inventory.ClusterSpec
		if err := json.Unmarshal(c.Spec, &spec); err != nil {
			return "", fmt.Errorf("cluster %s: stored spec: %w", c.Name, err)
		}
		if slices.Contains(spec.ControlPlane.Machines, machine) || isWorker(c.Name, spec, o) {
			return c.Name, nil
		}
	}
	var ms inventory.MachineSpec
	if err := json.Unmarshal(o.Spec, &ms); err != nil {
		return "", fmt.Errorf("machine %s: stored spec: %w", machine, err)
	}
	return ms.Cluster, nil
}
