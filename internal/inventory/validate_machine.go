package inventory

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
)

func (v *validator) machine(o *Object, s *MachineSpec) {
	switch mac, err := normalizeMAC(s.MAC); {
	case s.MAC == "":
		v.errorf(o, "spec.mac", "required (the boot NIC's MAC, like 52:54:00:77:00:05)")
	case err != nil:
		v.errorf(o, "spec.mac", "%v", err)
	default:
		s.MAC = mac
	}
	if s.IP != "" {
		if _, err := parseIPv4(s.IP); err != nil {
			v.errorf(o, "spec.ip", "%v", err)
		} else if s.Network == "" {
			v.errorf(o, "spec.ip", "needs spec.network (the network the address belongs to)")
		}
	}
	if msg := oneOf(s.Arch, "", "x86_64", "arm64"); msg != "" {
		v.errorf(o, "spec.arch", "%s", msg)
	}
	if msg := oneOf(s.Firmware, "", "bios", "uefi"); msg != "" {
		v.errorf(o, "spec.firmware", "%s", msg)
	}
	if s.BMC != nil {
		if msg := checkBMCAddress(s.BMC.Address); msg != "" {
			v.errorf(o, "spec.bmc.address", "%s", msg)
		}
	}
	if s.Hardware != nil {
		v.hardware(o, s.Hardware)
	}
}

// checkBMCAddress returns what is wrong with a BMC address, or "".
func checkBMCAddress(addr string) string {
	const want = "want ipmi://host[:port], redfish://host[:port] or redfish+http://host[:port]"
	if addr == "" {
		return "required (" + want + ")"
	}
	u, err := url.Parse(addr)
	if err != nil {
		return fmt.Sprintf("%s is not a URL (%s)", quoteShort(addr), want)
	}
	if msg := oneOf(u.Scheme, "ipmi", "redfish", "redfish+http"); msg != "" {
		return fmt.Sprintf("scheme %s is not supported (%s)", quoteShort(u.Scheme), want)
	}
	switch {
	case u.User != nil:
		return "must not carry credentials; put them in a Credentials object and set spec.bmc.credentialsRef"
	case u.Hostname() == "":
		return fmt.Sprintf("%s has no host (%s)", quoteShort(addr), want)
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("%s must not have a path, query or fragment (%s)", quoteShort(addr), want)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port %s is not a port number", quoteShort(p))
		}
	}
	return ""
}

func (v *validator) hardware(o *Object, h *Hardware) {
	if h.CPUs < 0 {
		v.errorf(o, "spec.hardware.cpus", "must not be negative, got %d", h.CPUs)
	}
	if h.MemoryGiB < 0 {
		v.errorf(o, "spec.hardware.memoryGiB", "must not be negative, got %d", h.MemoryGiB)
	}
	if msg := oneOf(h.Policy, "", "enforce", "warn"); msg != "" {
		v.errorf(o, "spec.hardware.policy", "%s", msg)
	}
	for i, d := range h.Disks {
		p := indexPath("spec.hardware.disks", i)
		if d.SizeGiB < 0 {
			v.errorf(o, p+".sizeGiB", "must not be negative, got %d", d.SizeGiB)
		}
		if d.Count < 0 {
			v.errorf(o, p+".count", "must not be negative, got %d", d.Count)
		}
		if msg := oneOf(d.Type, "", "ssd", "hdd", "nvme"); msg != "" {
			v.errorf(o, p+".type", "%s", msg)
		}
	}
}

// uniqueIPs checks each machine's address against its network (inside the
// subnet, not the gateway) and against the other machines on it.
func (v *validator) uniqueIPs() {
	type netIP struct {
		network string
		ip      netip.Addr
	}
	owner := map[netIP]*Object{}
	for _, o := range v.declared {
		s, ok := o.Spec.(*MachineSpec)
		if !ok || s.IP == "" || s.Network == "" {
			continue
		}
		ip, err := parseIPv4(s.IP)
		if err != nil {
			continue // reported by machine()
		}
		if n := spec[NetworkSpec](v, KindNetwork, s.Network); n != nil {
			if msg := checkMachineIP(ip, n); msg != "" {
				v.errorf(o, "spec.ip", "%s (Network %s)", msg, s.Network)
				continue
			}
		}
		k := netIP{s.Network, ip}
		if first, dup := owner[k]; dup {
			v.errorf(o, "spec.ip", "%s is already the address of %s (%s)", ip, first.Key(), where(first))
			continue
		}
		owner[k] = o
	}
}

// checkMachineIP says what is wrong with ip as a reserved address on n.
func checkMachineIP(ip netip.Addr, n *NetworkSpec) string {
	subnet, err := parseSubnet(n.Subnet)
	if err != nil {
		return "" // the network's own error says it
	}
	if msg := checkHostIn(ip, subnet); msg != "" {
		return msg
	}
	if n.Gateway == ip.String() {
		return fmt.Sprintf("%s is the network's gateway", ip)
	}
	return ""
}

// validHost reports whether s is a host name or IP address.
func validHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	return len(s) <= 253 && subdomainRE.MatchString(s)
}

// checkEndpoint returns what is wrong with a cluster API endpoint
// (host[:port] or https://host[:port]), or "".
func checkEndpoint(s string) string {
	host := s
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		if u.Scheme != "https" {
			return fmt.Sprintf("%s: the API endpoint is https", quoteShort(s))
		}
		host = u.Host
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port %s is not a port number", quoteShort(p))
		}
		host = h
	}
	if !validHost(host) {
		return fmt.Sprintf("%s is not host[:port] or https://host[:port]", quoteShort(s))
	}
	return ""
}
