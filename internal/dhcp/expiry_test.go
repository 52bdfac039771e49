package dhcp

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// TestLeaseExpiry: on the relay network (10-address pool, 10m leases) a
// full pool refuses an eleventh client until the leases' time has passed;
// then the address is given again, and the sweep records the expired
// leases for the store.
func TestLeaseExpiry(t *testing.T) {
	te := newTestEngine(t, Config{})
	relay := relayed("198.18.3.1")
	dora := func(hw net.HardwareAddr) string {
		t.Helper()
		offer := te.handle(discover(t, hw, relay), "eth0")
		if offer.Drop != "" {
			return offer.Drop
		}
		ip := offer.Reply.YourIPAddr.String()
		ack := te.handle(request(t, hw, ip, offer.Reply.ServerIdentifier().String(), relay), "eth0")
		require.Equal(t, "ACK", outcomeOf(ack).Type)
		return ip
	}
	first := map[string]bool{}
	for i := range 10 {
		first[dora(net.HardwareAddr{0x02, 0, 0, 0, 1, byte(i)})] = true
	}
	require.Len(t, first, 10)
	late := net.HardwareAddr{0x02, 0, 0, 0, 2, 0}
	assert.Equal(t, "pool-exhausted", dora(late))

	te.clock = te.clock.Add(9 * time.Minute)
	assert.Equal(t, "pool-exhausted", dora(late), "leases still running")

	te.clock = te.clock.Add(time.Minute + time.Second)
	ip := dora(late)
	assert.True(t, first[ip], "an expired lease's address is given again: got %q", ip)

	te.leases.mu.Lock()
	expired := te.leases.expire(te.clock)
	te.leases.mu.Unlock()
	assert.Len(t, expired, 9, "the other nine bound leases are swept as expired")
	for _, l := range expired {
		assert.Equal(t, store.LeaseExpired, l.State)
	}
}
