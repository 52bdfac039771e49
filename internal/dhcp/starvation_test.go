package dhcp

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// TestStarvationFlood: 500 random MACs run full DORAs against the lab
// network (a 50-address discovery pool). The pool hands out at most its
// size, never a reserved address, raises a dhcp.pool event when nearly
// exhausted, and the declared machine still gets its reservation.
func TestStarvationFlood(t *testing.T) {
	te := newTestEngine(t, Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	pool := struct{ lo, hi netip.Addr }{netip.MustParseAddr("198.18.0.100"), netip.MustParseAddr("198.18.0.149")}
	acked := map[string]string{} // ip → MAC
	exhausted := 0
	for range 500 {
		hw := net.HardwareAddr{0x02, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
		offer := te.handle(discover(t, hw), "eth0")
		if offer.Drop != "" {
			assert.Equal(t, "pool-exhausted", offer.Drop)
			exhausted++
			continue
		}
		ip := offer.Reply.YourIPAddr.String()
		ack := te.handle(request(t, hw, ip, "198.18.0.2"), "eth0")
		require.Equal(t, "ACK", outcomeOf(ack).Type, "offered %s to %s", ip, hw)
		a := netip.MustParseAddr(ip)
		require.True(t, a.Compare(pool.lo) >= 0 && a.Compare(pool.hi) <= 0, "%s is outside the pool", ip)
		prev, taken := acked[ip]
		require.False(t, taken, "%s given to %s and %s", ip, prev, hw)
		acked[ip] = hw.String()
	}
	assert.Len(t, acked, 50, "the whole pool, and no more")
	assert.Equal(t, 450, exhausted)

	var pool90 []store.Event
	for _, ev := range te.rec.events() {
		if ev.Type == "dhcp.pool" {
			pool90 = append(pool90, ev)
		}
	}
	require.NotEmpty(t, pool90, "a nearly exhausted pool raises an event")
	assert.Equal(t, "nearly-exhausted", pool90[0].Reason)

	// The declared machine still gets its reserved address.
	offer := te.handle(discover(t, mac(1)), "eth0")
	require.Equal(t, "OFFER", outcomeOf(offer).Type)
	assert.Equal(t, "198.18.0.10", offer.Reply.YourIPAddr.String())
	ack := te.handle(request(t, mac(1), "198.18.0.10", "198.18.0.2"), "eth0")
	assert.Equal(t, "ACK", outcomeOf(ack).Type)
}
