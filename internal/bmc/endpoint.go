// Package bmc talks to baseboard management controllers over IPMI (through
// ipmitool) and Redfish, on bmclib. A Controller runs one operation at a
// time per BMC under a global concurrency cap, with per-call timeouts,
// retries with exponential backoff and jitter for transient errors only,
// and read-after-write verification. The Executor carries out the API's
// power and boot actions on it; PowerSync notices power changes made
// outside Slipway and marks machines whose BMC stops answering.
//
// Passwords never appear in argv (ipmitool reads them from its
// environment) and are redacted from every error and log line.
package bmc

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// Protocol is how a BMC is spoken to.
type Protocol string

// Protocols.
const (
	IPMI    Protocol = "ipmi"
	Redfish Protocol = "redfish"
)

// Endpoint is a parsed bmc.address.
type Endpoint struct {
	Protocol Protocol
	// Scheme is https or http (redfish+http://, test endpoints only);
	// empty for IPMI.
	Scheme string
	Host   string
	Port   string
}

// Key identifies the BMC for locking: two machines behind one BMC address
// share its lock.
func (e Endpoint) Key() string { return string(e.Protocol) + "://" + net.JoinHostPort(e.Host, e.Port) }

// String is the address in its canonical form.
func (e Endpoint) String() string {
	if e.Protocol == Redfish && e.Scheme == "http" {
		return "redfish+http://" + net.JoinHostPort(e.Host, e.Port)
	}
	return e.Key()
}

// ParseAddress reads ipmi://host[:port] (default 623), redfish://host[:port]
// (HTTPS, default 443) or redfish+http://host[:port] (plain HTTP, default
// 80; for test endpoints only).
func ParseAddress(s string) (Endpoint, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Endpoint{}, fmt.Errorf("bmc address %q: want ipmi://host[:port], redfish://host[:port] or redfish+http://host[:port]", s)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return Endpoint{}, fmt.Errorf("bmc address %q: only scheme, host and port are allowed (credentials belong in credentialsRef)", redactURL(u))
	}
	e := Endpoint{Host: u.Hostname(), Port: u.Port()}
	switch u.Scheme {
	case "ipmi":
		e.Protocol, e.Port = IPMI, or(e.Port, "623")
	case "redfish", "redfish+https":
		e.Protocol, e.Scheme, e.Port = Redfish, "https", or(e.Port, "443")
	case "redfish+http":
		e.Protocol, e.Scheme, e.Port = Redfish, "http", or(e.Port, "80")
	default:
		return Endpoint{}, fmt.Errorf("bmc address %q: unknown scheme %q (ipmi, redfish or redfish+http)", s, u.Scheme)
	}
	if n, err := strconv.Atoi(e.Port); err != nil || n < 1 || n > 65535 {
		return Endpoint{}, fmt.Errorf("bmc address %q: bad port %q", s, e.Port)
	}
	return e, nil
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	return c.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
