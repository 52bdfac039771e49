// Package inventory holds Slipway's declared topology: the YAML kinds an
// operator keeps in git (Network, Machine, Image, Cluster, Fleet,
// Credentials), their strict decoding and validation with field paths, and the
// plan (create/update/delete with field-level diffs) that turns a declared set
// into changes to the store.
package inventory

import (
	"encoding/json"
	"fmt"
	"strings"
)

// APIVersion is the only apiVersion the inventory accepts.
const APIVersion = "slipway.dev/v1alpha1"

// Kind names one kind of inventory object.
type Kind string

// The inventory kinds.
const (
	KindCredentials Kind = "Credentials"
	KindNetwork     Kind = "Network"
	KindImage       Kind = "Image"
	KindFleet       Kind = "Fleet"
	KindCluster     Kind = "Cluster"
	KindMachine     Kind = "Machine"
)

// Kinds lists every kind in dependency order: an object only refers to kinds
// that come before it (Machine → Network, Credentials, Image, Cluster), so
// creates run in this order and deletes in reverse.
var Kinds = []Kind{KindCredentials, KindNetwork, KindImage, KindFleet, KindCluster, KindMachine}

// ParseKind returns the Kind for s, accepting the kind itself and the lower
// case singular and plural forms the CLI uses ("machine", "machines").
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		lower := lowerASCII(string(k))
		if s == string(k) || s == lower || s == lower+"s" {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind %q (want one of Network, Machine, Image, Cluster, Fleet, Credentials)", s)
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Metadata identifies an object.
type Metadata struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Source says where a decoded object came from, for error messages.
type Source struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Fields is the line of each decoded field path ("spec.bmc.address"), so
	// validation errors can point at the line too.
	Fields map[string]int `json:"fields,omitempty"`
}

// lineOf returns the line of path, or of its nearest decoded parent, or of
// the document.
func (s Source) lineOf(path string) int {
	for path != "" {
		if l, ok := s.Fields[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return s.Line
}

// Object is one inventory document. Spec holds a pointer to the kind's spec
// type (*MachineSpec for Machine, and so on).
type Object struct {
	APIVersion string   `json:"apiVersion"`
	Kind       Kind     `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       any      `json:"spec"`
	// Revision is the stored revision (0 for objects not yet stored).
	Revision int64  `json:"-"`
	Source   Source `json:"-"`
}

// Key is the unique identity of an object: kind and name.
type Key struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

func (k Key) String() string { return string(k.Kind) + " " + k.Name }

// Key returns the object's identity.
func (o *Object) Key() Key { return Key{Kind: o.Kind, Name: o.Metadata.Name} }

// NewSpec returns a pointer to a zero spec of kind k, or nil for an unknown kind.
func NewSpec(k Kind) any {
	switch k {
	case KindNetwork:
		return &NetworkSpec{}
	case KindMachine:
		return &MachineSpec{}
	case KindImage:
		return &ImageSpec{}
	case KindCluster:
		return &ClusterSpec{}
	case KindFleet:
		return &FleetSpec{}
	case KindCredentials:
		return &CredentialsSpec{}
	}
	return nil
}

// SpecJSON returns the canonical JSON encoding of the object's spec (struct
// field order, omitted empties), the form the store keeps and diffs compare.
func (o *Object) SpecJSON() (json.RawMessage, error) {
	b, err := json.Marshal(o.Spec)
	if err != nil {
		return nil, fmt.Errorf("%s: encode spec: %w", o.Key(), err)
	}
	return b, nil
}

// NetworkMode says how Slipway answers DHCP on a network.
type NetworkMode string

// The network modes.
const (
	ModeFull  NetworkMode = "full"  // authoritative DHCP server
	ModeProxy NetworkMode = "proxy" // proxyDHCP beside an existing server: boot info only
	ModeRelay NetworkMode = "relay" // requests arrive through a relay agent (giaddr)
)

// NetworkSpec declares a boot network.
type NetworkSpec struct {
	Mode NetworkMode `json:"mode,omitempty"` // default full
	// Interface is the appliance interface DHCP binds to (full and proxy modes).
	Interface string `json:"interface,omitempty"`
	// Subnet in CIDR form, e.g. 198.18.0.0/24.
	Subnet  string   `json:"subnet"`
	Gateway string   `json:"gateway,omitempty"`
	DNS     []string `json:"dns,omitempty"`
	Domain  string   `json:"domain,omitempty"`
	NTP     []string `json:"ntp,omitempty"`
	// Range is the dynamic pool handed to unknown MACs when Discovery is on.
	Range *Range `json:"range,omitempty"`
	// Discovery lets unknown MACs boot into the discovery pool.
	Discovery bool `json:"discovery,omitempty"`
	// RelayAgents are the giaddrs whose requests belong to this network (relay mode).
	RelayAgents []string `json:"relayAgents,omitempty"`
	// LeaseTime is a Go duration ("12h"); default set by the DHCP server.
	LeaseTime string `json:"leaseTime,omitempty"`
}

// Range is an inclusive IPv4 address range.
type Range struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MachineSpec declares one server.
type MachineSpec struct {
	MAC string `json:"mac"`
	// Network is the Network the machine boots on; IP its reserved address there.
	Network  string    `json:"network,omitempty"`
	IP       string    `json:"ip,omitempty"`
	Arch     string    `json:"arch,omitempty"`     // x86_64 (default) | arm64
	Firmware string    `json:"firmware,omitempty"` // bios | uefi; informational
	BMC      *BMC      `json:"bmc,omitempty"`
	Hardware *Hardware `json:"hardware,omitempty"`
	Image    string    `json:"image,omitempty"`
	Cluster  string    `json:"cluster,omitempty"`
}

// BMC says how to reach a machine's baseboard management controller.
type BMC struct {
	// Address is ipmi://host[:port], redfish://host[:port] or
	// redfish+http://host[:port] (test endpoints only).
	Address        string `json:"address"`
	CredentialsRef string `json:"credentialsRef,omitempty"`
	// InsecureSkipVerify accepts a Redfish BMC's self-signed certificate.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// Hardware is the bill of materials the inspected machine is checked against.
type Hardware struct {
	CPUs      int    `json:"cpus,omitempty"`
	MemoryGiB int    `json:"memoryGiB,omitempty"`
	Disks     []Disk `json:"disks,omitempty"`
	// Policy is enforce (default: a mismatch blocks provisioning) or warn.
	Policy string `json:"policy,omitempty"`
}

// Disk is one expected disk (or Count identical disks).
type Disk struct {
	SizeGiB int    `json:"sizeGiB"`
	Type    string `json:"type,omitempty"` // ssd | hdd | nvme
	Count   int    `json:"count,omitempty"`
}

// ImageSpec declares an installable OS image.
type ImageSpec struct {
	// Exactly one of URL (http/https, fetched by the appliance) and File (a
	// path on the appliance) is set.
	URL       string     `json:"url,omitempty"`
	File      string     `json:"file,omitempty"`
	Format    string     `json:"format"` // raw | raw.zst | raw.gz | raw.xz
	SHA256    string     `json:"sha256"`
	Signature *Signature `json:"signature,omitempty"`
}

// Signature names a detached signature and the configured key that checks it.
type Signature struct {
	URL    string `json:"url,omitempty"`
	KeyRef string `json:"keyRef"`
	Type   string `json:"type,omitempty"` // ed25519 (default) | minisign
}

// ClusterSpec declares a Kubernetes cluster built from machines.
type ClusterSpec struct {
	KubernetesVersion string       `json:"kubernetesVersion"`
	ControlPlane      ControlPlane `json:"controlPlane"`
	Workers           Workers      `json:"workers,omitzero"`
	Fleet             string       `json:"fleet,omitempty"`
	PodCIDR           string       `json:"podCIDR,omitempty"`
	ServiceCIDR       string       `json:"serviceCIDR,omitempty"`
}

// ControlPlane lists the control-plane machines (1 or 3) and the API endpoint.
type ControlPlane struct {
	Machines []string `json:"machines"`
	Endpoint string   `json:"endpoint,omitempty"`
}

// Workers selects worker machines by name and/or by labels.
type Workers struct {
	Machines []string          `json:"machines,omitempty"`
	Selector map[string]string `json:"selector,omitempty"`
}

// FleetSpec groups clusters.
type FleetSpec struct {
	Description string   `json:"description,omitempty"`
	Clusters    []string `json:"clusters,omitempty"`
	// Exporters register each Ready cluster of the fleet with a fleet
	// manager running on another Kubernetes cluster (and remove the
	// registration when the cluster leaves the fleet).
	Exporters []FleetExporter `json:"exporters,omitempty"`
}

// The fleet exporter types.
const (
	ExporterArgoCD     = "argocd"     // an Argo CD declarative cluster Secret
	ExporterClusterAPI = "clusterapi" // a Cluster API style <cluster>-kubeconfig Secret
)

// FleetExporter is one fleet manager the fleet's clusters are written to.
type FleetExporter struct {
	Type string `json:"type"` // argocd | clusterapi
	// CredentialsRef names the Credentials whose secret is the kubeconfig
	// of the manager's cluster.
	CredentialsRef string `json:"credentialsRef"`
	// Namespace the Secret is written to (default argocd for Argo CD,
	// default for Cluster API).
	Namespace string `json:"namespace,omitempty"`
}

// CredentialsSpec declares a secret the appliance holds (set with `slipway
// create credentials`); the secret value never appears in inventory files.
type CredentialsSpec struct {
	Type        string `json:"type,omitempty"` // bmc (default) | kubeconfig (a fleet manager cluster)
	Description string `json:"description,omitempty"`
}
