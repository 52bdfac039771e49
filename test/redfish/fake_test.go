package redfish_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/redfish"
)

// redfishtool runs Debian's redfishtool (an independent client) against f.
func redfishtool(t *testing.T, f *redfish.Fake, auth string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("redfishtool")
	if err != nil {
		t.Skip("redfishtool not installed (Debian package redfishtool)")
	}
	host := strings.TrimPrefix(strings.TrimPrefix(f.URL(), "https://"), "http://")
	secure := "Always"
	if strings.HasPrefix(f.URL(), "http://") {
		secure = "Never"
	}
	argv := append([]string{"-r", host, "-u", f.Username, "-p", f.Password, "-S", secure, "-A", auth}, args...)
	out, err := exec.CommandContext(t.Context(), bin, argv...).CombinedOutput()
	return string(out), err
}

func TestRedfishtoolAgainstFake(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		auth string
	}{{"https session", true, "Session"}, {"https basic", true, "Basic"}, {"http basic", false, "Basic"}} {
		t.Run(tc.name, func(t *testing.T) {
			f := redfish.New(tc.tls, "root", "fake-redfish-pw")
			t.Cleanup(f.Close)
			out, err := redfishtool(t, f, tc.auth, "Systems", "-1", "get")
			require.NoError(t, err, out)
			var sys map[string]any
			require.NoError(t, json.Unmarshal([]byte(out), &sys), out)
			assert.Equal(t, "Off", sys["PowerState"])

			out, err = redfishtool(t, f, tc.auth, "Systems", "-1", "reset", "On")
			require.NoError(t, err, out)
			assert.Equal(t, "On", f.State().Power)

			out, err = redfishtool(t, f, tc.auth, "Systems", "-1", "setBootOverride", "Once", "Pxe")
			require.NoError(t, err, out)
			assert.Equal(t, "Pxe", f.State().BootTarget)
			assert.Equal(t, "Once", f.State().BootOnce)

			out, err = redfishtool(t, f, tc.auth, "Managers", "-1", "get")
			require.NoError(t, err, out)
			assert.Contains(t, out, "fake-1.0.0")
		})
	}
}

func TestRedfishtoolSeesFaults(t *testing.T) {
	f := redfish.New(true, "root", "fake-redfish-pw")
	t.Cleanup(f.Close)
	f.SetFault(redfish.FaultRefuseAuth, 0)
	out, err := redfishtool(t, f, "Basic", "Systems", "-1", "get")
	require.Error(t, err, out)
	f.SetFault(redfish.FaultIgnorePower, 0)
	out, err = redfishtool(t, f, "Basic", "Systems", "-1", "reset", "On")
	require.NoError(t, err, out)
	assert.Equal(t, "Off", f.State().Power, "accepted and ignored")
	f.SetFault(redfish.FaultMalformed, 0)
	out, err = redfishtool(t, f, "Basic", "Systems", "-1", "get")
	require.Error(t, err, out)
}
