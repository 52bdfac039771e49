package agent

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testFP = "sha256:" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func TestParseCmdline(t *testing.T) {
	good := "BOOT_IMAGE=vmlinuz console=ttyS0 slipway.url=https://198.18.0.1:8443/ slipway.token=bt_abc " +
		"slipway.ca=" + testFP + " slipway.machine=r1-u07 slipway.mac=52:54:00:77:00:10 quiet\n"
	c, err := ParseCmdline(good)
	require.NoError(t, err)
	assert.Equal(t, "https://198.18.0.1:8443", c.URL)
	assert.Equal(t, "bt_abc", c.Token)
	assert.Equal(t, "r1-u07", c.Machine)
	assert.Equal(t, "52:54:00:77:00:10", c.MAC.String())
	assert.Equal(t, byte(0x11), c.CA[1])

	quoted, err := ParseCmdline(`slipway.url="https://h" slipway.token="a b" slipway.ca=` + testFP + ` slipway.mac=52:54:00:00:00:01`)
	require.NoError(t, err)
	assert.Equal(t, "a b", quoted.Token)
	assert.Empty(t, quoted.Machine)

	base := map[string]string{
		ParamURL: "https://198.18.0.1", ParamToken: "t", ParamCA: testFP, ParamMAC: "52:54:00:00:00:01",
	}
	for _, tc := range []struct {
		name, param, value, want string
	}{
		{"no url", ParamURL, "", "slipway.url is missing"},
		{"http url", ParamURL, "http://198.18.0.1", "want an https URL"},
		{"url no host", ParamURL, "https://", "want an https URL"},
		{"no token", ParamToken, "", "slipway.token is missing"},
		{"no ca", ParamCA, "", "slipway.ca is missing"},
		{"ca no prefix", ParamCA, strings.TrimPrefix(testFP, "sha256:"), "want sha256:<hex>"},
		{"ca short", ParamCA, "sha256:0011", "want 64 hex digits"},
		{"ca not hex", ParamCA, "sha256:" + strings.Repeat("zz", 32), "want 64 hex digits"},
		{"no mac", ParamMAC, "", "slipway.mac is missing"},
		{"bad mac", ParamMAC, "52:54:00", "want an Ethernet MAC"},
		{"long mac", ParamMAC, "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01", "want an Ethernet MAC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for k, v := range base {
				if k == tc.param {
					v = tc.value
				}
				if v != "" {
					parts = append(parts, k+"="+v)
				}
			}
			_, err := ParseCmdline(strings.Join(parts, " "))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func FuzzParseCmdline(f *testing.F) {
	f.Add("slipway.url=https://h slipway.token=t slipway.ca=" + testFP + " slipway.mac=52:54:00:00:00:01")
	f.Add(`slipway.url="https://h x" slipway.token=" slipway.ca=sha256:`)
	f.Add("console=ttyS0 slipway.mac=zz slipway.url=https://[::1]:1/")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCmdline(line)
		if err != nil {
			return
		}
		require.True(t, strings.HasPrefix(c.URL, "https://"), c.URL)
		require.NotEmpty(t, c.Token)
		require.Len(t, c.MAC, 6)
	})
}
