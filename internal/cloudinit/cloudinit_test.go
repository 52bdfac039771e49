package cloudinit

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func base() Data {
	return Data{InstanceID: "r1-u05-0a1b2c", Hostname: "r1-u05", MAC: "52:54:00:77:00:05",
		PhoneHomeURL: "http://198.18.0.1:8080/boot/phone-home/slwp_TOKEN"}
}

func TestRenderGolden(t *testing.T) {
	static := base()
	static.Address, static.Gateway, static.DNS = "198.18.0.105/24", "198.18.0.1", []string{"198.18.0.1", "198.18.0.2"}
	static.SSHKeys = []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBexample ops@site"}
	for name, d := range map[string]Data{"dhcp": base(), "static": static} {
		t.Run(name, func(t *testing.T) {
			seed, err := Render(d)
			require.NoError(t, err)
			for file, got := range map[string]string{"meta-data": seed.MetaData, "user-data": seed.UserData,
				"network-config": seed.NetworkConfig} {
				var v any
				require.NoError(t, yaml.Unmarshal([]byte(got), &v), "%s is YAML", file)
				golden := filepath.Join("testdata", name+"."+file)
				if *update {
					require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
				}
				want, err := os.ReadFile(golden)
				require.NoError(t, err)
				assert.Equal(t, string(want), got, "%s differs (go test -update rewrites it)", golden)
			}
		})
	}
}

// TestPhoneHomeBlock pins the lines the tiny test OS's init reads with sed.
func TestPhoneHomeBlock(t *testing.T) {
	seed, err := Render(base())
	require.NoError(t, err)
	assert.Contains(t, seed.UserData, "\nphone_home:\n  url: http://198.18.0.1:8080/boot/phone-home/slwp_TOKEN\n")
	assert.Contains(t, seed.MetaData, "instance-id: r1-u05-0a1b2c\nlocal-hostname: r1-u05\n")
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Data)
		want string
	}{
		{"no hostname", func(d *Data) { d.Hostname = "" }, "hostname is required"},
		{"injected newline", func(d *Data) { d.Hostname = "a\nruncmd: [x]" }, "hostname"},
		{"bad address", func(d *Data) { d.Address = "198.18.0.5" }, "address"},
		{"bad dns", func(d *Data) { d.DNS = []string{"x"} }, "gateway/dns"},
		{"bad key", func(d *Data) { d.SSHKeys = []string{"ssh-rsa A\nB"} }, "sshKeys[0]"},
		{"url with quote", func(d *Data) { d.PhoneHomeURL = "http://x/'" }, "phoneHomeURL"},
		{"url with space", func(d *Data) { d.PhoneHomeURL = "http://x/ y" }, "phoneHomeURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base()
			tt.edit(&d)
			_, err := Render(d)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
