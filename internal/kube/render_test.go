package kube

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestRenderGolden renders every file of a control-plane node of a
// three-member control plane, a worker, and the single control plane of a
// 1+1 cluster; go test -update rewrites testdata/render/.
func TestRenderGolden(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		c    Cluster
		node string
	}{
		{"render/edge-3-cp-b", threeCP(), "cp-b"},
		{"render/edge-3-w-1", threeCP(), "w-1"},
		{"render/edge-1-r1-u05", oneCP(), "r1-u05"},
		{"render/edge-3-vip-cp-a", threeVIP(), "cp-a"},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			fs, err := RenderNode(tt.c, tt.node)
			require.NoError(t, err)
			for _, p := range fs.Paths() {
				golden(t, goldenName(tt.dir, p), fs[p].Data)
				want := modePublic
				if strings.HasPrefix(p, "/etc/keepalived/") {
					want = modePrivate // the VRRP password
				} else if p == RenewScript {
					want = modeExec
				}
				assert.Equal(t, want, fs[p].Mode, p)
			}
		})
	}
}

func TestRenderRoles(t *testing.T) {
	cp, err := RenderNode(threeCP(), "cp-a")
	require.NoError(t, err)
	w, err := RenderNode(threeCP(), "w-1")
	require.NoError(t, err)
	assert.Len(t, cp, len(nodeFiles)-2, "a DNS endpoint is the operator's load balancer: no keepalived")
	vip, err := RenderNode(threeVIP(), "cp-a")
	require.NoError(t, err)
	assert.Len(t, vip, len(nodeFiles), "a control-plane node of three behind a VIP gets every file")
	for _, unit := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		assert.Contains(t, cp, "/etc/systemd/system/"+unit+".service")
		assert.NotContains(t, w, "/etc/systemd/system/"+unit+".service")
	}
	assert.Equal(t, []string{"kubelet.service", "kube-proxy.service", "containerd.service",
		"slipway-preload-images.service", "slipway-pod-routes.service", "slipway-renew.service", "slipway-renew.timer"},
		Units(threeCP(), Node{Role: RoleWorker}))
	assert.Len(t, Units(threeCP(), Node{Role: RoleControlPlane}), 11)
	assert.Equal(t, "keepalived.service", Units(threeVIP(), Node{Role: RoleControlPlane})[11])
	assert.NotContains(t, Units(threeVIP(), Node{Role: RoleWorker}), "keepalived.service")
	assert.NotContains(t, Units(oneCP(), Node{Role: RoleControlPlane}), "keepalived.service", "one control plane is its own endpoint")
	one, err := RenderNode(oneCP(), "r1-u05")
	require.NoError(t, err)
	assert.NotContains(t, one, "/etc/keepalived/keepalived.conf.in")

	etcd := string(cp["/etc/systemd/system/etcd.service"].Data)
	assert.Contains(t, etcd, "--initial-cluster=cp-a=https://198.18.1.1:2380,cp-b=https://198.18.1.2:2380,cp-c=https://198.18.1.3:2380 ")
	api := string(cp["/etc/systemd/system/kube-apiserver.service"].Data)
	assert.Contains(t, api, "--etcd-servers=https://198.18.1.1:2379,https://198.18.1.2:2379,https://198.18.1.3:2379 ")
	routes := string(w["/etc/systemd/system/slipway-pod-routes.service"].Data)
	assert.Equal(t, 3, strings.Count(routes, "ExecStart=/sbin/ip route replace"))
	assert.NotContains(t, routes, "10.244.3.0/24", "no route to the node's own pod range")
}

func TestRenderRejectsInvalid(t *testing.T) {
	c := oneCP()
	c.Version = "latest"
	_, err := RenderNode(c, "r1-u05")
	require.ErrorContains(t, err, "cluster.version")
	_, err = RenderNode(oneCP(), "ghost")
	require.ErrorContains(t, err, "ghost")
}

// TestRenderedConfigsParse reads the YAML and JSON configs back and checks
// the settings the issue demands.
func TestRenderedConfigsParse(t *testing.T) {
	fs, err := RenderNode(oneCP(), "r1-u06")
	require.NoError(t, err)
	var kubelet map[string]any
	require.NoError(t, yaml.Unmarshal(fs["/var/lib/kubelet/config.yaml"].Data, &kubelet))
	assert.Equal(t, "KubeletConfiguration", kubelet["kind"])
	assert.Equal(t, "systemd", kubelet["cgroupDriver"])
	assert.Equal(t, false, kubelet["failCgroupV1"])
	assert.Equal(t, true, kubelet["rotateCertificates"])
	assert.Equal(t, true, kubelet["serverTLSBootstrap"])
	assert.NotContains(t, kubelet, "staticPodPath")
	assert.Equal(t, []any{"10.96.0.10"}, kubelet["clusterDNS"])

	var proxy map[string]any
	require.NoError(t, yaml.Unmarshal(fs["/var/lib/kube-proxy/config.yaml"].Data, &proxy))
	assert.Equal(t, "10.244.0.0/16", proxy["clusterCIDR"])
	assert.Equal(t, "r1-u06", proxy["hostnameOverride"])

	var cni struct {
		Plugins []struct {
			Type string
			IPAM struct {
				Type   string
				Ranges [][]struct{ Subnet string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(fs["/etc/cni/net.d/10-slipway.conflist"].Data, &cni))
	require.Len(t, cni.Plugins, 2)
	assert.Equal(t, "bridge", cni.Plugins[0].Type)
	assert.Equal(t, "host-local", cni.Plugins[0].IPAM.Type)
	assert.Equal(t, "10.244.1.0/24", cni.Plugins[0].IPAM.Ranges[0][0].Subnet)
	assert.Contains(t, string(fs["/etc/containerd/config.toml"].Data), `sandbox = "registry.k8s.io/pause:3.10"`)
}

// threeVIP is threeCP behind a virtual IP the control planes hold.
func threeVIP() Cluster {
	c := threeCP()
	c.Endpoint = "198.18.1.10:6443"
	return c
}

func TestVIP(t *testing.T) {
	assert.Equal(t, "198.18.1.10", threeVIP().VIP().String())
	assert.False(t, threeCP().VIP().IsValid(), "a DNS name")
	assert.False(t, oneCP().VIP().IsValid(), "one control plane")
	c := threeVIP()
	c.Endpoint = "198.18.1.1:6443"
	assert.False(t, c.VIP().IsValid(), "a node's own address is no VIP")
	a, b := newVRRP(threeVIP(), threeVIP().Nodes[0]), newVRRP(threeVIP(), threeVIP().Nodes[1])
	assert.Equal(t, a.RouterID, b.RouterID)
	assert.Equal(t, a.Password, b.Password)
	assert.Greater(t, a.Priority, b.Priority)
	other := threeVIP()
	other.Name = "edge-4"
	assert.NotEqual(t, a.Password, newVRRP(other, other.Nodes[0]).Password)
}
