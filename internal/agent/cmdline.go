package agent

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Cmdline is what the agent needs from the kernel command line.
type Cmdline struct {
	URL     string           // slipway.url: the API base (https)
	Token   string           // slipway.token: the one-time boot token
	CA      [32]byte         // slipway.ca: sha256 of the appliance CA certificate's DER
	Machine string           // slipway.machine (optional)
	MAC     net.HardwareAddr // slipway.mac: the NIC the machine netbooted from
}

// ParseCmdline reads the slipway.* parameters of a kernel command line
// (/proc/cmdline). Other parameters are ignored; values may be quoted with
// double quotes. Every missing or malformed parameter is an error that names
// it.
func ParseCmdline(line string) (Cmdline, error) {
	params := splitCmdline(line)
	var c Cmdline
	get := func(name string) (string, error) {
		v, ok := params[name]
		if !ok || v == "" {
			return "", fmt.Errorf("kernel command line: %s is missing", name)
		}
		return v, nil
	}
	raw, err := get(ParamURL)
	if err != nil {
		return c, err
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return c, fmt.Errorf("kernel command line: %s %q: want an https URL with a host", ParamURL, raw)
	}
	c.URL = strings.TrimSuffix(u.String(), "/")
	if c.Token, err = get(ParamToken); err != nil {
		return c, err
	}
	if raw, err = get(ParamCA); err != nil {
		return c, err
	}
	if c.CA, err = parseFingerprint(raw); err != nil {
		return c, fmt.Errorf("kernel command line: %s: %w", ParamCA, err)
	}
	if raw, err = get(ParamMAC); err != nil {
		return c, err
	}
	if c.MAC, err = net.ParseMAC(raw); err != nil || len(c.MAC) != 6 {
		return c, fmt.Errorf("kernel command line: %s %q: want an Ethernet MAC address", ParamMAC, raw)
	}
	c.Machine = params[ParamMachine]
	return c, nil
}

// parseFingerprint parses "sha256:<64 hex digits>".
func parseFingerprint(s string) ([32]byte, error) {
	var fp [32]byte
	hexPart, ok := strings.CutPrefix(strings.ToLower(s), "sha256:")
	if !ok {
		return fp, fmt.Errorf("%q: want sha256:<hex>", s)
	}
	b, err := hex.DecodeString(hexPart)
	if err != nil || len(b) != len(fp) {
		return fp, fmt.Errorf("%q: want 64 hex digits after the sha256: prefix", s)
	}
	copy(fp[:], b)
	return fp, nil
}

// splitCmdline splits a command line into name=value pairs the way the
// kernel does: whitespace separates parameters except inside double quotes.
// A later parameter wins over an earlier one of the same name.
func splitCmdline(line string) map[string]string {
	params := map[string]string{}
	var b strings.Builder
	quoted := false
	flush := func() {
		if b.Len() == 0 {
			return
		}
		name, value, _ := strings.Cut(b.String(), "=")
		params[name] = value
		b.Reset()
	}
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return params
}
