package appliance

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slipway-dev/slipway/internal/config"
)

// TestDHCPBootURL: iPXE is sent where the boot HTTP server really is.
func TestDHCPBootURL(t *testing.T) {
	server := netip.MustParseAddr("198.18.0.1")
	tests := []struct {
		name    string
		dhcpURL string
		netboot config.NetbootConfig
		want    string
	}{
		{name: "explicit dhcp.bootURL wins", dhcpURL: "http://boot.example:81",
			netboot: config.NetbootConfig{AdvertiseURL: "http://198.18.0.9:8080", HTTPListen: ":8080"}, want: "http://boot.example:81"},
		{name: "netboot.advertiseURL", netboot: config.NetbootConfig{AdvertiseURL: "http://198.18.0.9:9000", HTTPListen: ":8080"},
			want: "http://198.18.0.9:9000"},
		{name: "server address with the boot HTTP port", netboot: config.NetbootConfig{HTTPListen: ":9090"},
			want: "http://198.18.0.1:9090"},
		{name: "listen address with a host", netboot: config.NetbootConfig{HTTPListen: "198.18.0.1:8081"},
			want: "http://198.18.0.1:8081"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dhcpConfig(config.DHCPConfig{BootURL: tt.dhcpURL}, tt.netboot)
			assert.Equal(t, tt.want, c.BootURL(server))
		})
	}
}
