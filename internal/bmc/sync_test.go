package bmc_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/bmc"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/test/ipmisim"
)

func TestPowerSync(t *testing.T) {
	sim := ipmisim.Start(t, 1, "sync", ipmisim.Options{})[0]
	r := newRig(t, testConfig())
	r.addMachine(t, "m", sim.Address(), ipmisim.Username, ipmisim.Password)

	st := r.sync.Sweep(t.Context())
	assert.Equal(t, bmc.SweepStats{Machines: 1, OK: 1, Duration: st.Duration}, st)
	assert.Equal(t, bmc.PowerOff, r.machine(t, "m").Power, "first observation recorded")
	assert.Contains(t, types(r.events(t, "m")), bmc.EventInventory)

	// A person at the rack powers it on; the BMC logs an event.
	require.NoError(t, sim.SetPower(true))
	// Add SEL Entry: a temperature sensor going high.
	_, err := sim.IPMITool(t.Context(), ipmisim.Password, "raw", "0x0a", "0x44", "0x00", "0x00", "0x02", "0x00", "0x00",
		"0x00", "0x00", "0x20", "0x00", "0x04", "0x01", "0x30", "0x01", "0x57", "0x00", "0x00")
	require.NoError(t, err)
	st = r.sync.Sweep(t.Context())
	assert.Equal(t, 1, st.Changed)
	es := r.events(t, "m")
	i := slices.IndexFunc(es, func(e storeEvent) bool { return e.Type == bmc.EventPowerChanged })
	require.GreaterOrEqual(t, i, 0, "power.changed recorded: %v", types(es))
	assert.Contains(t, es[i].Message, "power is on (was off): changed outside Slipway")
	assert.Contains(t, types(es), bmc.EventSEL, "SEL entries become events")
	nSEL := count(types(es), bmc.EventSEL)
	r.sync.Sweep(t.Context())
	assert.Equal(t, nSEL, count(types(r.events(t, "m")), bmc.EventSEL), "a SEL entry is recorded once")

	// The BMC drops off: after UnreachableAfter (2) failed sweeps the
	// condition is set, with the next retry time.
	require.NoError(t, sim.Stop())
	r.sync.Sweep(t.Context())
	assert.Empty(t, r.machine(t, "m").Conditions)
	st = r.sync.Sweep(t.Context())
	assert.Equal(t, 1, st.Failed)
	m := r.machine(t, "m")
	require.Len(t, m.Conditions, 1)
	c := m.Conditions[0]
	assert.Equal(t, bmc.ConditionUnreachable, c.Type)
	require.NotNil(t, c.NextRetry)
	assert.True(t, c.NextRetry.After(c.Since))
	assert.Equal(t, bmc.PowerUnknown, m.Power)

	// It comes back: the condition clears by itself.
	require.NoError(t, sim.Cont())
	sim.WaitReady(t)
	r.sync.Sweep(t.Context())
	m = r.machine(t, "m")
	assert.Empty(t, m.Conditions)
	assert.Equal(t, bmc.PowerOn, m.Power)
	ts := types(r.events(t, "m"))
	assert.Equal(t, 1, count(ts, bmc.EventUnreachable))
	assert.Equal(t, 1, count(ts, bmc.EventReachable))
}

func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

type storeEvent = store.Event
