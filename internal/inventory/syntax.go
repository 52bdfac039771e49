package inventory

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

var (
	// nameRE is a DNS label: what every object name must be.
	nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// labelRE is a label name or value (Kubernetes rules).
	labelRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	// subdomainRE is a DNS subdomain (label key prefixes, domains).
	subdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	sha256RE    = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	versionRE   = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
)

const maxName = 63

// checkName returns what is wrong with an object name, or "".
func checkName(s string) string {
	if len(s) > maxName || !nameRE.MatchString(s) {
		return fmt.Sprintf("%s is not a valid name (lower case letters, digits and '-', starting and ending with a letter or digit, at most %d characters)", quoteShort(s), maxName)
	}
	return ""
}

// checkLabelKey returns what is wrong with a label key ([prefix/]name), or "".
func checkLabelKey(k string) string {
	prefix, name, hasPrefix := strings.Cut(k, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	if hasPrefix && (len(prefix) > 253 || !subdomainRE.MatchString(prefix)) {
		return fmt.Sprintf("label key %s: the prefix must be a DNS subdomain", quoteShort(k))
	}
	if len(name) > maxName || !labelRE.MatchString(name) {
		return fmt.Sprintf("label key %s is not valid (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most %d characters, with an optional DNS prefix and '/')", quoteShort(k), maxName)
	}
	return ""
}

// checkLabelValue returns what is wrong with a label value, or "".
func checkLabelValue(v string) string {
	if v != "" && (len(v) > maxName || !labelRE.MatchString(v)) {
		return fmt.Sprintf("label value %s is not valid (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most %d characters)", quoteShort(v), maxName)
	}
	return ""
}

// quoteShort quotes s for a message, shortening it when long.
func quoteShort(s string) string {
	if len(s) > 70 {
		s = s[:70] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// normalizeMAC parses a 48-bit MAC in colon (52:54:00:77:00:05) or dash
// (52-54-00-77-00-05) form, any case, and returns the lower case colon form.
func normalizeMAC(s string) (string, error) {
	if len(s) != 17 {
		return "", fmt.Errorf("%s is not a MAC address (want six hex pairs like 52:54:00:77:00:05)", quoteShort(s))
	}
	sep := s[2]
	if sep != ':' && sep != '-' {
		return "", fmt.Errorf("%s is not a MAC address (want six hex pairs like 52:54:00:77:00:05)", quoteShort(s))
	}
	var b strings.Builder
	for i := 0; i < 17; i++ {
		c := s[i]
		switch {
		case i%3 == 2:
			if c != sep {
				return "", fmt.Errorf("%s is not a MAC address (mixed or misplaced separators)", quoteShort(s))
			}
			b.WriteByte(':')
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
			b.WriteByte(c)
		case c >= 'A' && c <= 'F':
			b.WriteByte(c + 'a' - 'A')
		default:
			return "", fmt.Errorf("%s is not a MAC address (%q is not a hex digit)", quoteShort(s), c)
		}
	}
	mac := b.String()
	if mac == "00:00:00:00:00:00" {
		return "", fmt.Errorf("%s is the zero MAC address", s)
	}
	if first := hexByte(mac[0], mac[1]); first&1 == 1 {
		return "", fmt.Errorf("%s is a multicast address, not a NIC's", s)
	}
	return mac, nil
}

func hexByte(hi, lo byte) byte { return hexDigit(hi)<<4 | hexDigit(lo) }

func hexDigit(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// parseIPv4 parses a dotted IPv4 address.
func parseIPv4(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%s is not an IPv4 address", quoteShort(s))
	}
	return a, nil
}

// parseSubnet parses an IPv4 CIDR that is a network address (host bits zero).
func parseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%s is not an IPv4 CIDR like 198.18.0.0/24", quoteShort(s))
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%s has host bits set; did you mean %s?", s, p.Masked())
	}
	return p, nil
}

// parseCIDR parses an IPv4 or IPv6 network (host bits zero).
func parseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%s is not a CIDR like 10.244.0.0/16", quoteShort(s))
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%s has host bits set; did you mean %s?", s, p.Masked())
	}
	return p, nil
}

// checkHostIn returns what is wrong with a as a host address of subnet, or "".
// /31 and /32 have no network or broadcast address.
func checkHostIn(a netip.Addr, subnet netip.Prefix) string {
	if !subnet.Contains(a) {
		return fmt.Sprintf("%s is outside the subnet %s", a, subnet)
	}
	if subnet.Bits() >= 31 {
		return ""
	}
	if a == subnet.Addr() {
		return fmt.Sprintf("%s is the network address of %s", a, subnet)
	}
	if a == broadcast(subnet) {
		return fmt.Sprintf("%s is the broadcast address of %s", a, subnet)
	}
	return ""
}

func broadcast(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// oneOf returns "" when s is one of allowed ("" among them means the field
// is optional), else the message listing them.
func oneOf(s string, allowed ...string) string {
	var names []string
	for _, a := range allowed {
		if s == a {
			return ""
		}
		if a != "" {
			names = append(names, a)
		}
	}
	return fmt.Sprintf("%s is not supported (want one of %s)", quoteShort(s), strings.Join(names, ", "))
}
