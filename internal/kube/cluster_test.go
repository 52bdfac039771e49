package kube

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClusterValidate(t *testing.T) {
	require.NoError(t, oneCP().Validate())
	require.NoError(t, threeCP().Validate())
	tests := []struct {
		name   string
		mutate func(*Cluster)
		field  string
	}{
		{"name", func(c *Cluster) { c.Name = "Edge_1" }, "cluster.name"},
		{"version", func(c *Cluster) { c.Version = "1.37" }, "cluster.version"},
		{"prerelease", func(c *Cluster) { c.Version = "v1.37.0-rc.1" }, "cluster.version"},
		{"endpoint no port", func(c *Cluster) { c.Endpoint = "198.18.0.10" }, "cluster.endpoint"},
		{"endpoint bad port", func(c *Cluster) { c.Endpoint = "198.18.0.10:0" }, "cluster.endpoint"},
		{"endpoint bad host", func(c *Cluster) { c.Endpoint = "bad_host:6443" }, "cluster.endpoint"},
		{"service cidr host bits", func(c *Cluster) { c.ServiceCIDR = netip.MustParsePrefix("10.96.0.1/12") }, "cluster.serviceCIDR"},
		{"service cidr unset", func(c *Cluster) { c.ServiceCIDR = netip.Prefix{} }, "cluster.serviceCIDR"},
		{"pod cidr overlaps", func(c *Cluster) { c.PodCIDR = netip.MustParsePrefix("10.96.0.0/16") }, "cluster.podCIDR"},
		{"dns domain", func(c *Cluster) { c.DNSDomain = "" }, "cluster.dnsDomain"},
		{"node name", func(c *Cluster) { c.Nodes[1].Name = "R1" }, "cluster.nodes[1]: name"},
		{"node ip", func(c *Cluster) { c.Nodes[1].IP = netip.Addr{} }, "cluster.nodes[1]: ip"},
		{"node ipv6", func(c *Cluster) { c.Nodes[1].IP = netip.MustParseAddr("2001:db8::1") }, "cluster.nodes[1]: ip"},
		{"node role", func(c *Cluster) { c.Nodes[1].Role = "etcd" }, "cluster.nodes[1]: role"},
		{"node pod cidr outside", func(c *Cluster) { c.Nodes[1].PodCIDR = netip.MustParsePrefix("10.245.0.0/24") }, "cluster.nodes[1]: podCIDR"},
		{"node pod cidr overlap", func(c *Cluster) { c.Nodes[1].PodCIDR = netip.MustParsePrefix("10.244.0.0/23") }, "cluster.nodes[1].podCIDR"},
		{"duplicate name", func(c *Cluster) { c.Nodes[1].Name = c.Nodes[0].Name }, "cluster.nodes[1]"},
		{"duplicate ip", func(c *Cluster) { c.Nodes[1].IP = c.Nodes[0].IP }, "cluster.nodes[1]"},
		{"no control plane", func(c *Cluster) { c.Nodes[0].Role = RoleWorker }, "cluster.nodes: 0 control-plane"},
		{"two control planes", func(c *Cluster) { c.Nodes[1].Role = RoleControlPlane }, "cluster.nodes: 2 control-plane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := oneCP()
			tt.mutate(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestClusterAddresses(t *testing.T) {
	c := oneCP()
	assert.Equal(t, "10.96.0.1", c.APIServiceIP().String())
	assert.Equal(t, "10.96.0.10", c.DNSServiceIP().String())
	assert.Len(t, threeCP().ControlPlane(), 3)
	_, err := c.Node("nope")
	require.ErrorContains(t, err, `no node "nope"`)
}
