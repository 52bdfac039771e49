package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDHCPDefaultsValid(t *testing.T) {
	c := Default()
	require.NoError(t, c.Validate())
	assert.True(t, c.DHCP.Enabled)
	assert.Equal(t, Duration(time.Hour), c.DHCP.LeaseTime)
}

func TestDHCPValidateNamesFields(t *testing.T) {
	c := Default()
	c.DHCP = DHCPConfig{
		LeaseTime: Duration(time.Second), OfferTimeout: -1, DeclineQuarantine: -1, Workers: 2000, QueueSize: 10,
		BootFiles: DHCPBootFiles{BIOS: "../undionly.kpxe", HTTP: "a b"}, BootURL: "ftp://x/",
		DiscoveryRateLimit: DHCPRateLimit{Burst: -1, Every: -1},
	}
	err := c.Validate()
	require.Error(t, err)
	var fields []string
	for _, fe := range err.(ErrorList) {
		fields = append(fields, fe.Field)
	}
	assert.Equal(t, []string{"dhcp.leaseTime", "dhcp.offerTimeout", "dhcp.declineQuarantine", "dhcp.workers",
		"dhcp.queueSize", "dhcp.bootFiles.bios", "dhcp.bootFiles.http", "dhcp.bootURL",
		"dhcp.discoveryRateLimit.burst", "dhcp.discoveryRateLimit.every"}, fields)
}
