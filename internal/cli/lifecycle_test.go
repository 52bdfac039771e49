package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLifecycleCommands drives provision, maintenance and reset against a
// real appliance (its example machines' BMCs are not running: the journey
// worker's power-on fails the provisioning with the BMC's reason).
func TestLifecycleCommands(t *testing.T) {
	ta := startAppliance(t)
	ta.login(t)
	require.NoError(t, ta.run(t, "", "apply", "-f", site).err)

	r := ta.run(t, "", "maintenance", "on", "r1-u06", "--reason", "replacing DIMM B2")
	require.NoError(t, r.err, r.stderr)
	assert.Equal(t, "r1-u06: maintenance-on: maintenance\n", r.stdout)

	r = ta.run(t, "", "provision", "r1-u06", "r1-u07")
	assert.Error(t, r.err, "one of two was refused")
	assert.Contains(t, r.stdout, "r1-u06: provision: refused: ")
	assert.Contains(t, r.stdout, "provision is not possible while maintenance")
	assert.Contains(t, r.stdout, "r1-u07: provision: provisioning\n")
	assert.EqualError(t, r.err, "1 of 2 machines did not provision")

	r = ta.run(t, "", "reset", "r1-u08")
	assert.Contains(t, r.stdout, "r1-u08: reset: refused: ")

	r = ta.run(t, "", "maintenance", "sideways", "r1-u06")
	assert.ErrorContains(t, r.err, `maintenance "sideways": want on or off`)
}
