package bmc_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/bmc"
	"github.com/slipway-dev/slipway/test/ipmisim"
	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
)

func TestIPMIPowerAndBootVerified(t *testing.T) {
	sim := ipmisim.Start(t, 1, "ok", ipmisim.Options{})[0]
	r := newRig(t, testConfig())
	r.addMachine(t, "r1-u07", sim.Address(), ipmisim.Username, ipmisim.Password)

	require.NoError(t, r.run(t, "r1-u07", "bootdev", map[string]string{"device": "pxe"}))
	require.NoError(t, r.run(t, "r1-u07", "power-on", nil))
	st, err := sim.State()
	require.NoError(t, err)
	assert.Equal(t, 1, st.Power)
	assert.Equal(t, "pxe", st.BootAtPowerOn, "the machine powered on with network boot next")
	assert.Equal(t, bmc.PowerOn, r.machine(t, "r1-u07").Power)

	require.NoError(t, r.run(t, "r1-u07", "power-reset", nil))
	require.NoError(t, r.run(t, "r1-u07", "power-off", nil))
	assert.Equal(t, bmc.PowerOff, r.machine(t, "r1-u07").Power)
	assert.Equal(t, []string{"bootdev.set", "power.requested", "power.verified", "power.requested", "power.verified",
		"power.requested", "power.verified"}, types(r.events(t, "r1-u07")))
	assert.Contains(t, r.events(t, "r1-u07")[0].Message, "read back: pxe")

	err = r.run(t, "r1-u07", "media-insert", map[string]string{"url": "http://127.0.0.1/x.iso"})
	require.ErrorIs(t, err, bmc.ErrUnsupported)
}

// TestIPMIFaults: every injected fault ends in a clear reason, the right
// machine state and a bmc.error event, never a false success or a hang.
func TestIPMIFaults(t *testing.T) {
	tests := []struct {
		name    string
		opts    ipmisim.Options
		prepare func(*testing.T, *ipmisim.BMC)
		kind    error
		message string
	}{
		{"ignores power", ipmisim.Options{Fault: simstate.FaultIgnorePower}, nil, bmc.ErrNotVerified,
			"BMC accepted power on but the machine is still off after 2s"},
		{"refuses the password", ipmisim.Options{Password: "other-pw-123"}, nil, bmc.ErrAuth, "refused the user name or password"},
		{"drops off", ipmisim.Options{}, func(t *testing.T, b *ipmisim.BMC) {
			require.NoError(t, b.Stop())
			t.Cleanup(func() { _ = b.Cont() })
		}, bmc.ErrTimeout, "no answer within 3s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := ipmisim.Start(t, 1, "f", tt.opts)[0]
			r := newRig(t, testConfig())
			r.addMachine(t, "m", sim.Address(), ipmisim.Username, ipmisim.Password)
			if tt.prepare != nil {
				tt.prepare(t, sim)
			}
			start := time.Now()
			err := r.run(t, "m", "power-on", nil)
			require.Error(t, err)
			assert.Less(t, time.Since(start), 20*time.Second, "bounded")
			assert.ErrorIs(t, err, tt.kind)
			assert.Contains(t, err.Error(), tt.message)
			es := r.events(t, "m")
			last := es[len(es)-1]
			assert.Equal(t, "bmc.error", last.Type)
			assert.Contains(t, last.Message, tt.message)
			assert.NotEqual(t, bmc.PowerOn, r.machine(t, "m").Power)
		})
	}
}

func TestIPMISlowBMCStillVerified(t *testing.T) {
	sim := ipmisim.Start(t, 1, "slow", ipmisim.Options{Fault: simstate.FaultSlow, Slow: 400 * time.Millisecond})[0]
	r := newRig(t, testConfig())
	r.addMachine(t, "m", sim.Address(), ipmisim.Username, ipmisim.Password)
	cfg := testConfig()
	cfg.VerifyTimeout = 10 * time.Second
	r = newRig(t, cfg)
	r.addMachine(t, "m", sim.Address(), ipmisim.Username, ipmisim.Password)
	require.NoError(t, r.run(t, "m", "power-on", nil))
	assert.Equal(t, bmc.PowerOn, r.machine(t, "m").Power)

	// With calls shorter than the BMC's delay it is a timeout, not success.
	cfg.CallTimeout = 200 * time.Millisecond
	r2 := newRig(t, cfg)
	r2.addMachine(t, "m", sim.Address(), ipmisim.Username, ipmisim.Password)
	err := r2.run(t, "m", "power-off", nil)
	require.ErrorIs(t, err, bmc.ErrTimeout)
}

// TestPasswordNeverLeaks runs failing and succeeding operations and checks
// that the password is in no log line, no error, no event and no ipmitool
// command line (read from /proc while ipmitool runs).
func TestPasswordNeverLeaks(t *testing.T) {
	sims := ipmisim.Start(t, 2, "leak", ipmisim.Options{Fault: simstate.FaultSlow, Slow: 300 * time.Millisecond})
	r := newRig(t, testConfig())
	r.addMachine(t, "good", sims[0].Address(), ipmisim.Username, ipmisim.Password)
	const wrong = "Wr0ng-S3cret-V"
	r.addMachine(t, "bad", sims[1].Address(), ipmisim.Username, wrong)

	stop := make(chan struct{})
	found := make(chan string, 1)
	go scanCmdlines(stop, found, ipmisim.Password, wrong)
	var errs []error
	errs = append(errs, r.run(t, "good", "power-on", nil), r.run(t, "bad", "power-on", nil),
		r.run(t, "good", "bootdev", map[string]string{"device": "disk"}))
	close(stop)
	require.NoError(t, errs[0])
	require.Error(t, errs[1])
	assert.Empty(t, <-found, "a password appeared in a command line")

	var all strings.Builder
	all.WriteString(r.logs.String())
	for _, err := range errs {
		if err != nil {
			all.WriteString(err.Error())
			for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
				all.WriteString(e.Error())
			}
		}
	}
	for _, m := range []string{"good", "bad"} {
		for _, e := range r.events(t, m) {
			all.WriteString(e.Message + string(e.Data))
		}
	}
	require.NotEmpty(t, r.logs.String(), "the test captured logs")
	assert.NotContains(t, all.String(), ipmisim.Password)
	assert.NotContains(t, all.String(), wrong)
}
