package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease states.
const (
	LeaseOffered  = "offered"
	LeaseBound    = "bound"
	LeaseReleased = "released"
	LeaseDeclined = "declined"
	LeaseExpired  = "expired"
)

// Lease is one DHCP address on one network: who holds it and until when.
// A declined lease is an address a client reported in use by someone else:
// it is quarantined until Expires.
type Lease struct {
	Network string `json:"network"`
	IP      string `json:"ip"`  // dotted IPv4
	MAC     string `json:"mac"` // lower case colon form
	// Hostname is the name given to the client (the machine name for
	// reservations).
	Hostname string `json:"hostname,omitempty"`
	// ClientID is option 61 in hex, when the client sent one.
	ClientID string    `json:"clientID,omitempty"`
	State    string    `json:"state"`
	Expires  time.Time `json:"expires"`
	Updated  time.Time `json:"updated"`
}

const leaseKind = "lease"

const leaseColumns = "network, ip, mac, hostname, client_id, state, expires_at, updated_at"

func leaseReader() rowReader[Lease] {
	var (
		l                Lease
		expires, updated int64
	)
	return rowReader[Lease]{
		dest: []any{&l.Network, &l.IP, &l.MAC, &l.Hostname, &l.ClientID, &l.State, &expires, &updated},
		read: func() (Lease, error) {
			v := l
			v.Expires, v.Updated = fromNanos(expires), fromNanos(updated)
			return v, nil
		},
	}
}

// PutLease creates or replaces the lease of (l.Network, l.IP). Updated is
// set to the transaction's time.
func (tx *Tx) PutLease(l *Lease) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if l.Network == "" || l.IP == "" || l.MAC == "" || l.State == "" {
		return fmt.Errorf("put lease %s/%s: network, ip, mac and state are required", l.Network, l.IP)
	}
	l.Updated = tx.now
	_, err := tx.exec("INSERT INTO leases ("+leaseColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (network, ip) DO UPDATE SET mac = excluded.mac, hostname = excluded.hostname,"+
		" client_id = excluded.client_id, state = excluded.state, expires_at = excluded.expires_at,"+
		" updated_at = excluded.updated_at",
		l.Network, l.IP, l.MAC, l.Hostname, l.ClientID, l.State, toNanos(l.Expires), toNanos(l.Updated))
	if err != nil {
		return failed("put", leaseKind, l.Network+"/"+l.IP, err)
	}
	return nil
}

// GetLease returns the lease of ip on network, or ErrNotFound.
func (tx *Tx) GetLease(network, ip string) (Lease, error) {
	return tx.oneLease(network+"/"+ip, "SELECT "+leaseColumns+" FROM leases WHERE network = ? AND ip = ?", network, ip)
}

// LeaseByMAC returns the most recently updated lease of mac on network, or
// ErrNotFound.
func (tx *Tx) LeaseByMAC(network, mac string) (Lease, error) {
	return tx.oneLease(network+" mac "+mac, "SELECT "+leaseColumns+" FROM leases WHERE network = ? AND mac = ?"+
		" ORDER BY updated_at DESC LIMIT 1", network, mac)
}

// LeaseByIP returns the lease of ip on any network (a bound one first, then
// the most recently updated), or ErrNotFound. Boot servers use it to map a
// client's address to its MAC.
func (tx *Tx) LeaseByIP(ip string) (Lease, error) {
	return tx.oneLease(ip, "SELECT "+leaseColumns+" FROM leases WHERE ip = ?"+
		" ORDER BY CASE WHEN state = 'bound' THEN 0 ELSE 1 END, updated_at DESC LIMIT 1", ip)
}

func (tx *Tx) oneLease(what, query string, args ...any) (Lease, error) {
	l, err := getOne(tx, leaseReader(), query, args...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Lease{}, notFound(leaseKind, what)
	case err != nil:
		return Lease{}, fmt.Errorf("get lease %s: %w", what, err)
	}
	return l, nil
}

// ListLeases returns the leases of network ordered by address text (all
// networks when network is empty).
func (tx *Tx) ListLeases(network string) ([]Lease, error) {
	q, args := "SELECT "+leaseColumns+" FROM leases ORDER BY network, ip", []any(nil)
	if network != "" {
		q, args = "SELECT "+leaseColumns+" FROM leases WHERE network = ? ORDER BY ip", []any{network}
	}
	rows, err := tx.query(q, args...)
	out, err := collect(rows, err, 0, leaseReader())
	if err != nil {
		return nil, fmt.Errorf("list leases %s: %w", network, err)
	}
	return out, nil
}

// DeleteLease deletes the lease of ip on network, or returns ErrNotFound.
func (tx *Tx) DeleteLease(network, ip string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	ok, err := tx.execOne("DELETE FROM leases WHERE network = ? AND ip = ?", network, ip)
	switch {
	case err != nil:
		return failed("delete", leaseKind, network+"/"+ip, err)
	case !ok:
		return notFound(leaseKind, network+"/"+ip)
	}
	return nil
}
