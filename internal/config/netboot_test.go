package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNetbootDefaults(t *testing.T) {
	c := Default()
	require.NoError(t, c.Validate())
	n := c.Netboot.WithDefaults("/var/lib/slipway")
	assert.True(t, n.Enabled)
	assert.Equal(t, ":8080", n.HTTPListen)
	assert.Equal(t, ":69", n.TFTPListen)
	assert.Equal(t, "/usr/lib/ipxe", n.IPXEDir)
	assert.Equal(t, "/var/lib/slipway/tftp", n.TFTPRoot)
	assert.Equal(t, "/var/lib/slipway/images", n.ImagesDir)
	assert.Equal(t, time.Hour, n.BootTokenTTL.D())
	assert.Equal(t, 64, n.MaxTFTPTransfers)
	assert.Equal(t, n, NetbootConfig{}.WithDefaults("/var/lib/slipway").withEnabled(true), "zero fields take the defaults")
}

func (n NetbootConfig) withEnabled(on bool) NetbootConfig { n.Enabled = on; return n }

func TestNetbootValidate(t *testing.T) {
	tests := []struct {
		name  string
		set   func(*NetbootConfig)
		field string
	}{
		{"http listen", func(n *NetbootConfig) { n.HTTPListen = "8080" }, "netboot.httpListen"},
		{"tftp listen", func(n *NetbootConfig) { n.TFTPListen = ":99999" }, "netboot.tftpListen"},
		{"https advertise", func(n *NetbootConfig) { n.AdvertiseURL = "https://a:8080" }, "netboot.advertiseURL"},
		{"advertise path", func(n *NetbootConfig) { n.AdvertiseURL = "http://a:8080/boot" }, "netboot.advertiseURL"},
		{"advertise slash", func(n *NetbootConfig) { n.AdvertiseURL = "http://a:8080/" }, "netboot.advertiseURL"},
		{"advertise no host", func(n *NetbootConfig) { n.AdvertiseURL = "http://" }, "netboot.advertiseURL"},
		{"ttl short", func(n *NetbootConfig) { n.BootTokenTTL = Duration(time.Second) }, "netboot.bootTokenTTL"},
		{"ttl long", func(n *NetbootConfig) { n.BootTokenTTL = Duration(30 * 24 * time.Hour) }, "netboot.bootTokenTTL"},
		{"cap", func(n *NetbootConfig) { n.MaxTFTPTransfers = -1 }, "netboot.maxTFTPTransfers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.set(&c.Netboot)
			var l ErrorList
			require.ErrorAs(t, c.Validate(), &l)
			require.Len(t, l, 1)
			assert.Equal(t, tt.field, l[0].Field)
		})
	}
	c := Default()
	c.Netboot.AdvertiseURL = "http://198.18.0.1:8080"
	require.NoError(t, c.Validate())
}

func TestNetbootEnv(t *testing.T) {
	c, err := Load("", []string{"SLIPWAY_NETBOOT_ENABLED=false", "SLIPWAY_NETBOOT_TFTP_LISTEN=127.0.0.1:6969",
		"SLIPWAY_NETBOOT_HTTP_LISTEN=127.0.0.1:8080", "SLIPWAY_NETBOOT_ADVERTISE_URL=http://10.0.0.1:8080",
		"SLIPWAY_NETBOOT_AGENT_DIR=/srv/agent"})
	require.NoError(t, err)
	assert.Equal(t, NetbootConfig{HTTPListen: "127.0.0.1:8080", TFTPListen: "127.0.0.1:6969",
		AdvertiseURL: "http://10.0.0.1:8080", AgentDir: "/srv/agent", IPXEDir: "/usr/lib/ipxe",
		BootTokenTTL: Duration(time.Hour), MaxTFTPTransfers: 64}, c.Netboot)
}
