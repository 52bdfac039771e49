package inventory

import (
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"
)

func (v *validator) network(o *Object, s *NetworkSpec) {
	mode := s.Mode
	if mode == "" {
		mode = ModeFull
	}
	if msg := oneOf(string(s.Mode), "", string(ModeFull), string(ModeProxy), string(ModeRelay)); msg != "" {
		v.errorf(o, "spec.mode", "%s", msg)
	}
	switch {
	case s.Interface == "" && (mode == ModeFull || mode == ModeProxy):
		v.errorf(o, "spec.interface", "required in %s mode (the appliance interface DHCP answers on)", mode)
	case s.Interface != "" && (len(s.Interface) > 15 || strings.ContainsAny(s.Interface, "/ \t\n:")):
		v.errorf(o, "spec.interface", "%s is not a network interface name", quoteShort(s.Interface))
	}
	subnet, err := parseSubnet(s.Subnet)
	switch {
	case s.Subnet == "":
		v.errorf(o, "spec.subnet", "required (an IPv4 CIDR like 198.18.0.0/24)")
	case err != nil:
		v.errorf(o, "spec.subnet", "%v", err)
	}
	valid := err == nil
	if s.Gateway != "" {
		v.hostIn(o, "spec.gateway", s.Gateway, subnet, valid)
	}
	for i, a := range s.RelayAgents {
		v.hostIn(o, indexPath("spec.relayAgents", i), a, subnet, valid)
	}
	if mode == ModeRelay && len(s.RelayAgents) == 0 {
		v.errorf(o, "spec.relayAgents", "required in relay mode (the relay agents' addresses on this subnet)")
	}
	if s.Range != nil {
		v.rangeIn(o, s, subnet, valid)
	}
	if s.Discovery && s.Range == nil && mode != ModeProxy {
		v.errorf(o, "spec.discovery", "needs spec.range (the pool unknown machines get addresses from)")
	}
	v.dhcpOptions(o, s)
}

// hostIn checks that s is an IPv4 host address inside subnet (when the
// subnet itself is valid).
func (v *validator) hostIn(o *Object, field, s string, subnet netip.Prefix, subnetValid bool) (netip.Addr, bool) {
	a, err := parseIPv4(s)
	if err != nil {
		v.errorf(o, field, "%v", err)
		return a, false
	}
	if !subnetValid {
		return a, false
	}
	if msg := checkHostIn(a, subnet); msg != "" {
		v.errorf(o, field, "%s", msg)
		return a, false
	}
	return a, true
}

func (v *validator) rangeIn(o *Object, s *NetworkSpec, subnet netip.Prefix, subnetValid bool) {
	start, okStart := v.hostIn(o, "spec.range.start", s.Range.Start, subnet, subnetValid)
	end, okEnd := v.hostIn(o, "spec.range.end", s.Range.End, subnet, subnetValid)
	if !okStart || !okEnd {
		return
	}
	if end.Less(start) {
		v.errorf(o, "spec.range", "start %s is after end %s", start, end)
		return
	}
	if gw, err := parseIPv4(s.Gateway); err == nil && !gw.Less(start) && !end.Less(gw) {
		v.errorf(o, "spec.range", "%s-%s includes the gateway %s", start, end, gw)
	}
}

func (v *validator) dhcpOptions(o *Object, s *NetworkSpec) {
	for i, d := range s.DNS {
		if _, err := parseIPv4(d); err != nil {
			v.errorf(o, indexPath("spec.dns", i), "%v", err)
		}
	}
	for i, n := range s.NTP {
		if !validHost(n) {
			v.errorf(o, indexPath("spec.ntp", i), "%s is not a host name or IP address", quoteShort(n))
		}
	}
	if s.Domain != "" && (len(s.Domain) > 253 || !subdomainRE.MatchString(s.Domain)) {
		v.errorf(o, "spec.domain", "%s is not a DNS domain", quoteShort(s.Domain))
	}
	if s.LeaseTime != "" {
		if d, err := time.ParseDuration(s.LeaseTime); err != nil || d < time.Minute {
			v.errorf(o, "spec.leaseTime", "%s is not a duration of at least 1m (like 12h)", quoteShort(s.LeaseTime))
		}
	}
}

// imageFormats are the formats the installer can write.
var imageFormats = []string{"raw", "raw.zst", "raw.gz", "raw.xz"}

func (v *validator) image(o *Object, s *ImageSpec) {
	switch {
	case s.URL == "" && s.File == "":
		v.errorf(o, "spec", "set one of url (fetched by the appliance) and file (a path on the appliance)")
	case s.URL != "" && s.File != "":
		v.errorf(o, "spec.file", "set only one of url and file")
	case s.URL != "":
		if msg := checkHTTPURL(s.URL); msg != "" {
			v.errorf(o, "spec.url", "%s", msg)
		}
	case !path.IsAbs(s.File) || path.Clean(s.File) != s.File:
		v.errorf(o, "spec.file", "%s is not a clean absolute path", quoteShort(s.File))
	}
	if s.Format == "" {
		v.errorf(o, "spec.format", "required (want one of %s)", strings.Join(imageFormats, ", "))
	} else if msg := oneOf(s.Format, imageFormats...); msg != "" {
		v.errorf(o, "spec.format", "%s", msg)
	}
	switch {
	case s.SHA256 == "":
		v.errorf(o, "spec.sha256", "required (64 hex digits)")
	case !sha256RE.MatchString(s.SHA256):
		v.errorf(o, "spec.sha256", "%s is not a sha256 (64 hex digits)", quoteShort(s.SHA256))
	default:
		s.SHA256 = strings.ToLower(s.SHA256)
	}
	if sig := s.Signature; sig != nil {
		if sig.KeyRef == "" {
			v.errorf(o, "spec.signature.keyRef", "required (the name of a configured signing key)")
		}
		if msg := oneOf(sig.Type, "", "ed25519", "minisign"); msg != "" {
			v.errorf(o, "spec.signature.type", "%s", msg)
		}
		if sig.URL != "" {
			if msg := checkHTTPURL(sig.URL); msg != "" {
				v.errorf(o, "spec.signature.url", "%s", msg)
			}
		}
	}
}

// checkHTTPURL returns what is wrong with an http(s) URL, or "".
func checkHTTPURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return quoteShort(s) + " is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return quoteShort(s) + " is not an http or https URL"
	case u.Host == "":
		return quoteShort(s) + " has no host"
	}
	return ""
}

func (v *validator) cluster(o *Object, s *ClusterSpec) {
	switch {
	case s.KubernetesVersion == "":
		v.errorf(o, "spec.kubernetesVersion", "required (like v1.37.2)")
	case !versionRE.MatchString(s.KubernetesVersion):
		v.errorf(o, "spec.kubernetesVersion", "%s is not a Kubernetes version like v1.37.2", quoteShort(s.KubernetesVersion))
	}
	if n := len(s.ControlPlane.Machines); n != 1 && n != 3 {
		v.errorf(o, "spec.controlPlane.machines", "want 1 or 3 machines (etcd needs an odd quorum), got %d", n)
	}
	if s.ControlPlane.Endpoint != "" {
		if msg := checkEndpoint(s.ControlPlane.Endpoint); msg != "" {
			v.errorf(o, "spec.controlPlane.endpoint", "%s", msg)
		}
	}
	v.labels(o, "spec.workers.selector", s.Workers.Selector)
	pod := v.cidr(o, "spec.podCIDR", s.PodCIDR)
	svc := v.cidr(o, "spec.serviceCIDR", s.ServiceCIDR)
	if pod.IsValid() && svc.IsValid() && pod.Overlaps(svc) {
		v.errorf(o, "spec.serviceCIDR", "%s overlaps spec.podCIDR %s", svc, pod)
	}
}

func (v *validator) cidr(o *Object, field, s string) netip.Prefix {
	if s == "" {
		return netip.Prefix{}
	}
	p, err := parseCIDR(s)
	if err != nil {
		v.errorf(o, field, "%v", err)
	}
	return p
}

func (v *validator) fleet(o *Object, s *FleetSpec) {
	seen := map[string]bool{}
	for i, c := range s.Clusters {
		if seen[c] {
			v.errorf(o, indexPath("spec.clusters", i), "Cluster %s is listed twice", c)
		}
		seen[c] = true
	}
	for i, e := range s.Exporters {
		field := indexPath("spec.exporters", i)
		if e.Type != ExporterArgoCD && e.Type != ExporterClusterAPI {
			v.errorf(o, field+".type", "%s is not an exporter type (want %s or %s)", quoteShort(e.Type), ExporterArgoCD, ExporterClusterAPI)
		}
		if e.CredentialsRef == "" {
			v.errorf(o, field+".credentialsRef", "required: the Credentials holding the fleet manager's kubeconfig")
		}
		if e.Namespace != "" && (len(e.Namespace) > 63 || !nameRE.MatchString(e.Namespace)) {
			v.errorf(o, field+".namespace", "%s is not a namespace name (a DNS label)", quoteShort(e.Namespace))
		}
	}
}
