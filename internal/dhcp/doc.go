// Package dhcp is Slipway's DHCPv4 server (on insomniacslk/dhcp). It answers
// only on the interfaces the inventory's Network objects name, in one of
// three modes per network: full (an authoritative server: reservations for
// declared machines, a discovery pool for unknown MACs), proxy (boot
// information only, beside an existing DHCP server, on ports 67 and 4011)
// and relay (requests forwarded by relay agents, selected by giaddr).
//
// A packet goes through an ordered chain of small handlers, all listed in
// one place (chain.go): parse → network → reservation → discovery → lease →
// boot → reply. Each handler reads and fills a Packet; any of them may drop
// it (counted by reason in slipway_dhcp_dropped_total) or finish the reply.
//
// Leases are durable: an ACK leaves only after its lease row is committed.
// A single committer goroutine groups the writes pending at a time into one
// store transaction (group commit). The hot path reads no database: an
// in-memory index holds the networks, reservations, known machines and
// leases; it is rebuilt when the inventory generation changes and loads
// every lease at start-up, so a restart keeps every binding.
package dhcp
