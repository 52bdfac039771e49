package kube

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
)

// Role is what a node runs.
type Role string

// The roles: a control-plane node runs etcd and the control plane besides
// what every node runs (kubelet, kube-proxy, containerd).
const (
	RoleControlPlane Role = "control-plane"
	RoleWorker       Role = "worker"
)

// Cluster is the declared shape of one cluster, the input of every renderer.
type Cluster struct {
	Name        string       // DNS label; also the kubeconfig cluster name
	Version     string       // Kubernetes version, vMAJOR.MINOR.PATCH
	Endpoint    string       // stable API endpoint host:port (a VIP, or the only control-plane node)
	ServiceCIDR netip.Prefix // e.g. 10.96.0.0/12; its first address is the kubernetes Service
	PodCIDR     netip.Prefix // the cluster's pod range; each node's PodCIDR lies inside
	DNSDomain   string       // e.g. cluster.local
	Nodes       []Node
}

// Node is one machine of the cluster.
type Node struct {
	Name    string     // DNS label: the Node name and the host name
	IP      netip.Addr // the address other nodes and the API endpoint reach it on
	Role    Role
	PodCIDR netip.Prefix // this node's slice of Cluster.PodCIDR
}

var (
	labelRE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	versionRE = regexp.MustCompile(`^v1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
)

// Validate checks every field and names the first that is wrong.
func (c Cluster) Validate() error {
	if !labelRE.MatchString(c.Name) {
		return fmt.Errorf("cluster.name %q: want a DNS label (a-z, 0-9, -)", c.Name)
	}
	if !versionRE.MatchString(c.Version) {
		return fmt.Errorf("cluster.version %q: want a release like v1.37.2", c.Version)
	}
	if _, _, err := splitEndpoint(c.Endpoint); err != nil {
		return fmt.Errorf("cluster.endpoint: %w", err)
	}
	if err := validPrefix(c.ServiceCIDR, 12); err != nil {
		return fmt.Errorf("cluster.serviceCIDR: %w", err)
	}
	if err := validPrefix(c.PodCIDR, 8); err != nil {
		return fmt.Errorf("cluster.podCIDR: %w", err)
	}
	if c.ServiceCIDR.Overlaps(c.PodCIDR) {
		return fmt.Errorf("cluster.podCIDR %s overlaps cluster.serviceCIDR %s", c.PodCIDR, c.ServiceCIDR)
	}
	if c.DNSDomain == "" || !isDNSName(c.DNSDomain) {
		return fmt.Errorf("cluster.dnsDomain %q: want a DNS name like cluster.local", c.DNSDomain)
	}
	return c.validateNodes()
}

func (c Cluster) validateNodes() error {
	names, ips := map[string]bool{}, map[netip.Addr]bool{}
	var cp int
	for i, n := range c.Nodes {
		field := fmt.Sprintf("cluster.nodes[%d]", i)
		if err := n.validate(c); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		if names[n.Name] || ips[n.IP] {
			return fmt.Errorf("%s: name %s or ip %s used twice", field, n.Name, n.IP)
		}
		for _, o := range c.Nodes[:i] {
			if o.PodCIDR.Overlaps(n.PodCIDR) {
				return fmt.Errorf("%s.podCIDR %s overlaps node %s's %s", field, n.PodCIDR, o.Name, o.PodCIDR)
			}
		}
		names[n.Name], ips[n.IP] = true, true
		if n.Role == RoleControlPlane {
			cp++
		}
	}
	if cp != 1 && cp != 3 {
		return fmt.Errorf("cluster.nodes: %d control-plane nodes, want 1 or 3", cp)
	}
	return nil
}

func (n Node) validate(c Cluster) error {
	if !labelRE.MatchString(n.Name) {
		return fmt.Errorf("name %q: want a DNS label", n.Name)
	}
	if !n.IP.IsValid() || !n.IP.Is4() {
		return fmt.Errorf("ip %v: want an IPv4 address", n.IP)
	}
	if n.Role != RoleControlPlane && n.Role != RoleWorker {
		return fmt.Errorf("role %q: want %s or %s", n.Role, RoleControlPlane, RoleWorker)
	}
	if err := validPrefix(n.PodCIDR, 16); err != nil {
		return fmt.Errorf("podCIDR: %w", err)
	}
	if n.PodCIDR.Bits() < c.PodCIDR.Bits() || !c.PodCIDR.Contains(n.PodCIDR.Addr()) {
		return fmt.Errorf("podCIDR %s: not inside cluster.podCIDR %s", n.PodCIDR, c.PodCIDR)
	}
	return nil
}

// validPrefix wants a canonical IPv4 prefix no shorter than /minBits.
func validPrefix(p netip.Prefix, minBits int) error {
	switch {
	case !p.IsValid() || !p.Addr().Is4():
		return fmt.Errorf("%v: want an IPv4 prefix", p)
	case p != p.Masked():
		return fmt.Errorf("%s: host bits set (want %s)", p, p.Masked())
	case p.Bits() < minBits || p.Bits() > 28:
		return fmt.Errorf("%s: want a length between /%d and /28", p, minBits)
	}
	return nil
}

func splitEndpoint(ep string) (string, int, error) {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		return "", 0, fmt.Errorf("%q: want host:port: %w", ep, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, fmt.Errorf("%q: port %q is not 1-65535", ep, port)
	}
	if _, err := netip.ParseAddr(host); err != nil && !isDNSName(host) {
		return "", 0, errors.New(strconv.Quote(ep) + ": host is neither an IP address nor a DNS name")
	}
	return host, n, nil
}

func isDNSName(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if !labelRE.MatchString(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// APIServiceIP is the first address of the service range: the kubernetes
// Service's ClusterIP, which the apiserver certificate must name.
func (c Cluster) APIServiceIP() netip.Addr { return c.ServiceCIDR.Addr().Next() }

// DNSServiceIP is the tenth address of the service range (kubeadm's choice
// for the cluster DNS Service), which kubelets are told to use.
func (c Cluster) DNSServiceIP() netip.Addr {
	a := c.ServiceCIDR.Addr()
	for range 10 {
		a = a.Next()
	}
	return a
}

// ControlPlane returns the control-plane nodes in declaration order.
func (c Cluster) ControlPlane() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Role == RoleControlPlane {
			out = append(out, n)
		}
	}
	return out
}

// Node returns the node called name.
func (c Cluster) Node(name string) (Node, error) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("cluster %s has no node %q", c.Name, name)
}
