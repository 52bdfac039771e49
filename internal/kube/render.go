package kube

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/netip"
	"slices"
	"strings"
	"text/template"
)

// Defaults of what the node image carries.
const (
	SandboxImage      = "registry.k8s.io/pause:3.10"
	PreloadDir        = "/usr/local/share/slipway/images"
	ContainerdVersion = "v2.2.0"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.tmpl"))

// rendered is one file a node gets from a template.
type rendered struct {
	path, tmpl   string
	mode         fs.FileMode
	controlPlane bool // only on control-plane nodes
	// vip: only on the control-plane nodes of a cluster whose endpoint is
	// a virtual IP they hold with keepalived (3 control planes); unit is
	// then the packaged unit the file configures.
	vip  bool
	unit string
}

// nodeFiles lists every rendered file, control-plane ones first.
var nodeFiles = []rendered{
	{"/etc/systemd/system/etcd.service", "etcd.service.tmpl", modePublic, true, false, ""},
	{"/etc/systemd/system/kube-apiserver.service", "kube-apiserver.service.tmpl", modePublic, true, false, ""},
	{"/etc/systemd/system/kube-controller-manager.service", "kube-controller-manager.service.tmpl", modePublic, true, false, ""},
	{"/etc/systemd/system/kube-scheduler.service", "kube-scheduler.service.tmpl", modePublic, true, false, ""},
	{"/etc/systemd/system/kubelet.service", "kubelet.service.tmpl", modePublic, false, false, ""},
	{"/var/lib/kubelet/config.yaml", "kubelet-config.yaml.tmpl", modePublic, false, false, ""},
	{"/etc/systemd/system/kube-proxy.service", "kube-proxy.service.tmpl", modePublic, false, false, ""},
	{"/var/lib/kube-proxy/config.yaml", "kube-proxy-config.yaml.tmpl", modePublic, false, false, ""},
	{"/etc/systemd/system/containerd.service", "containerd.service.tmpl", modePublic, false, false, ""},
	{"/etc/containerd/config.toml", "containerd-config.toml.tmpl", modePublic, false, false, ""},
	{"/etc/systemd/system/slipway-preload-images.service", "preload-images.service.tmpl", modePublic, false, false, ""},
	{"/etc/cni/net.d/10-slipway.conflist", "cni.conflist.tmpl", modePublic, false, false, ""},
	{"/etc/systemd/system/slipway-pod-routes.service", "pod-routes.service.tmpl", modePublic, false, false, ""},
	{"/etc/sysctl.d/90-slipway-kubernetes.conf", "sysctl.conf.tmpl", modePublic, false, false, ""},
	{"/etc/modules-load.d/slipway-kubernetes.conf", "modules-load.conf.tmpl", modePublic, false, false, ""},
	{RenewScript, "renew.py.tmpl", modeExec, false, false, ""},
	{"/etc/systemd/system/slipway-renew.service", "renew.service.tmpl", modePublic, false, false, ""},
	{"/etc/systemd/system/slipway-renew.timer", "renew.timer.tmpl", modePublic, false, false, ""},
	{"/etc/keepalived/keepalived.conf.in", "keepalived.conf.tmpl", modePrivate, true, true, ""},
	{"/etc/systemd/system/keepalived.service.d/slipway.conf", "keepalived-dropin.conf.tmpl", modePublic, true, true, "keepalived.service"},
}

// Units returns the systemd units node n of cluster c enables, in start
// order.
func Units(c Cluster, n Node) []string {
	var out []string
	for _, r := range nodeFiles {
		if !r.on(c, n) {
			continue
		}
		if r.unit != "" {
			out = append(out, r.unit)
		} else if name, ok := strings.CutPrefix(r.path, "/etc/systemd/system/"); ok && !strings.Contains(name, "/") {
			out = append(out, name)
		}
	}
	return out
}

// on says whether node n of cluster c gets the file.
func (r rendered) on(c Cluster, n Node) bool {
	switch {
	case r.controlPlane && n.Role != RoleControlPlane:
		return false
	case r.vip:
		return c.VIP().IsValid()
	}
	return true
}

// VIP is the virtual IP the control-plane nodes hold with keepalived: the
// endpoint's host when it is an IP address that is no node's own and the
// cluster has more than one control-plane node (invalid otherwise: a single
// control plane is its own endpoint, a DNS endpoint is the operator's load
// balancer).
func (c Cluster) VIP() netip.Addr {
	host, _, err := splitEndpoint(c.Endpoint)
	if err != nil || len(c.ControlPlane()) < 2 {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	for _, n := range c.Nodes {
		if n.IP == ip {
			return netip.Addr{}
		}
	}
	return ip
}

// renderData is what the templates see.
type renderData struct {
	Cluster           Cluster
	Node              Node
	IsControlPlane    bool
	Peers             []Node // the other nodes (pod routes)
	InitialCluster    string // etcd's name=https://ip:2380 list
	EtcdServers       string // the apiserver's https://ip:2379 list
	APIServerPort     int
	VIP               netip.Addr
	VRRP              vrrp
	SandboxImage      string
	PreloadDir        string
	ContainerdVersion string
	Renew             renewPaths
}

func newRenderData(c Cluster, n Node) renderData {
	d := renderData{Cluster: c, Node: n, IsControlPlane: n.Role == RoleControlPlane, APIServerPort: APIServerPort,
		SandboxImage: SandboxImage, PreloadDir: PreloadDir, ContainerdVersion: ContainerdVersion,
		VIP: c.VIP(), VRRP: newVRRP(c, n), Renew: renewData}
	var initial, servers []string
	for _, cp := range c.ControlPlane() {
		initial = append(initial, fmt.Sprintf("%s=https://%s:2380", cp.Name, cp.IP))
		servers = append(servers, fmt.Sprintf("https://%s:2379", cp.IP))
	}
	d.InitialCluster, d.EtcdServers = strings.Join(initial, ","), strings.Join(servers, ",")
	for _, o := range c.Nodes {
		if o.Name != n.Name {
			d.Peers = append(d.Peers, o)
		}
	}
	return d
}

// RenderNode renders the systemd units and configuration files of node
// nodeName (no secrets: NodeFiles issues those).
func RenderNode(c Cluster, nodeName string) (FileSet, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n, err := c.Node(nodeName)
	if err != nil {
		return nil, err
	}
	d := newRenderData(c, n)
	out := FileSet{}
	for _, r := range nodeFiles {
		if !r.on(c, n) {
			continue
		}
		var b bytes.Buffer
		if err := templates.ExecuteTemplate(&b, r.tmpl, d); err != nil {
			return nil, fmt.Errorf("node %s: render %s: %w", n.Name, r.path, err)
		}
		out.add(r.path, b.Bytes(), r.mode)
	}
	return out, nil
}

// vrrp is a control-plane node's keepalived instance: the router ID and
// password are derived from the cluster's name (so the three agree and two
// clusters on one network differ), the priority from the node's place in
// the control plane.
type vrrp struct {
	RouterID int
	Priority int
	Password string
}

func newVRRP(c Cluster, n Node) vrrp {
	sum := sha256.Sum256([]byte("slipway-vrrp/" + c.Name))
	cps := c.ControlPlane()
	i := slices.IndexFunc(cps, func(o Node) bool { return o.Name == n.Name })
	return vrrp{RouterID: 1 + int(sum[0])%254, Priority: 150 - 10*max(i, 0), Password: hex.EncodeToString(sum[1:5])}
}
