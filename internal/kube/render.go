package kube

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
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
}

// nodeFiles lists every rendered file, control-plane ones first.
var nodeFiles = []rendered{
	{"/etc/systemd/system/etcd.service", "etcd.service.tmpl", modePublic, true},
	{"/etc/systemd/system/kube-apiserver.service", "kube-apiserver.service.tmpl", modePublic, true},
	{"/etc/systemd/system/kube-controller-manager.service", "kube-controller-manager.service.tmpl", modePublic, true},
	{"/etc/systemd/system/kube-scheduler.service", "kube-scheduler.service.tmpl", modePublic, true},
	{"/etc/systemd/system/kubelet.service", "kubelet.service.tmpl", modePublic, false},
	{"/var/lib/kubelet/config.yaml", "kubelet-config.yaml.tmpl", modePublic, false},
	{"/etc/systemd/system/kube-proxy.service", "kube-proxy.service.tmpl", modePublic, false},
	{"/var/lib/kube-proxy/config.yaml", "kube-proxy-config.yaml.tmpl", modePublic, false},
	{"/etc/systemd/system/containerd.service", "containerd.service.tmpl", modePublic, false},
	{"/etc/containerd/config.toml", "containerd-config.toml.tmpl", modePublic, false},
	{"/etc/systemd/system/slipway-preload-images.service", "preload-images.service.tmpl", modePublic, false},
	{"/etc/cni/net.d/10-slipway.conflist", "cni.conflist.tmpl", modePublic, false},
	{"/etc/systemd/system/slipway-pod-routes.service", "pod-routes.service.tmpl", modePublic, false},
	{"/etc/sysctl.d/90-slipway-kubernetes.conf", "sysctl.conf.tmpl", modePublic, false},
	{"/etc/modules-load.d/slipway-kubernetes.conf", "modules-load.conf.tmpl", modePublic, false},
}

// Units returns the systemd units node n enables, in start order.
func Units(n Node) []string {
	var out []string
	for _, r := range nodeFiles {
		if name, ok := strings.CutPrefix(r.path, "/etc/systemd/system/"); ok && (!r.controlPlane || n.Role == RoleControlPlane) {
			out = append(out, name)
		}
	}
	return out
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
	SandboxImage      string
	PreloadDir        string
	ContainerdVersion string
}

func newRenderData(c Cluster, n Node) renderData {
	d := renderData{Cluster: c, Node: n, IsControlPlane: n.Role == RoleControlPlane, APIServerPort: APIServerPort,
		SandboxImage: SandboxImage, PreloadDir: PreloadDir, ContainerdVersion: ContainerdVersion}
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
		if r.controlPlane && !d.IsControlPlane {
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
