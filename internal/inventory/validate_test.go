package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// siteYAML is a valid inventory every validation case starts from.
const siteYAML = `apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec:
  interface: slipway0
  subnet: 198.18.0.0/24
  gateway: 198.18.0.1
  range: {start: 198.18.0.200, end: 198.18.0.250}
  discovery: true
  dns: [198.18.0.1]
  ntp: [pool.ntp.org]
  domain: lab.example
  leaseTime: 12h
---
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: r1-bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: edge-os}
spec:
  url: https://images.example/edge-os.raw.zst
  format: raw.zst
  sha256: 9F2C4E1D7B3A58C06E21F4D9A8B7C6E5D4F3A2B1C0E9D8F7A6B5C4D3E2F1A0B9
  signature: {keyRef: release, type: ed25519, url: https://images.example/edge-os.sig}
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u05, labels: {rack: r1, role: control-plane, slipway.dev/unit: "5"}}
spec:
  mac: 52-54-00-77-00-05
  network: lab
  ip: 198.18.0.105
  arch: x86_64
  firmware: uefi
  bmc: {address: "ipmi://10.0.0.5:623", credentialsRef: r1-bmc}
  hardware: {cpus: 8, memoryGiB: 32, policy: enforce, disks: [{sizeGiB: 480, type: nvme, count: 2}]}
  image: edge-os
  cluster: edge-1
---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u06, labels: {rack: r1, role: worker}}
spec:
  mac: "52:54:00:77:00:06"
  network: lab
  ip: 198.18.0.106
  bmc: {address: "redfish://bmc-u06.lab.example", credentialsRef: r1-bmc}
  image: edge-os
  cluster: edge-1
---
apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: edge-1}
spec:
  kubernetesVersion: v1.37.2
  controlPlane: {machines: [r1-u05], endpoint: "198.18.0.105:6443"}
  workers: {machines: [r1-u06], selector: {role: worker}}
  fleet: edge
  podCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
---
apiVersion: slipway.dev/v1alpha1
kind: Fleet
metadata: {name: edge}
spec: {clusters: [edge-1]}
`

// site decodes siteYAML.
func site(t testing.TB) []Object {
	t.Helper()
	objs, err := Decode("site.yaml", []byte(siteYAML))
	require.NoError(t, err)
	return objs
}

// find returns the object kind/name in objs.
func find(t testing.TB, objs []Object, k Kind, name string) *Object {
	t.Helper()
	for i := range objs {
		if objs[i].Kind == k && objs[i].Metadata.Name == name {
			return &objs[i]
		}
	}
	t.Fatalf("%s %s not in the set", k, name)
	return nil
}

func machineSpec(t testing.TB, objs []Object, name string) *MachineSpec {
	return find(t, objs, KindMachine, name).Spec.(*MachineSpec)
}

func networkSpec(t testing.TB, objs []Object) *NetworkSpec {
	return find(t, objs, KindNetwork, "lab").Spec.(*NetworkSpec)
}

func imageSpec(t testing.TB, objs []Object) *ImageSpec {
	return find(t, objs, KindImage, "edge-os").Spec.(*ImageSpec)
}

func clusterSpec(t testing.TB, objs []Object) *ClusterSpec {
	return find(t, objs, KindCluster, "edge-1").Spec.(*ClusterSpec)
}

// messages renders errors without file and line (checked separately).
func messages(l ErrorList) []string {
	out := make([]string, len(l))
	for i, e := range l {
		c := *e
		c.File, c.Line = "", 0
		out[i] = c.Error()
	}
	return out
}

func TestValidateSite(t *testing.T) {
	objs := site(t)
	require.Empty(t, messages(Validate(objs, nil)))
	assert.Equal(t, "52:54:00:77:00:05", machineSpec(t, objs, "r1-u05").MAC, "MAC normalized")
	assert.Equal(t, "9f2c4e1d7b3a58c06e21f4d9a8b7c6e5d4f3a2b1c0e9d8f7a6b5c4d3e2f1a0b9", imageSpec(t, objs).SHA256)
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, objs []Object) []Object
		want   []string
	}{
		// names and labels
		{name: "bad name", mutate: func(t *testing.T, o []Object) []Object {
			find(t, o, KindFleet, "edge").Metadata.Name = "Edge_1"
			return o
		}, want: []string{
			`Cluster edge-1: spec.fleet: Fleet edge is not declared`,
			`Fleet Edge_1: metadata.name: "Edge_1" is not a valid name (lower case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
			`Fleet Edge_1: spec.clusters[0]: Cluster edge-1 belongs to Fleet edge (its spec.fleet)`,
		}},
		{name: "long name", mutate: func(t *testing.T, o []Object) []Object {
			find(t, o, KindCredentials, "r1-bmc").Metadata.Name = "a234567890123456789012345678901234567890123456789012345678901234"
			return o
		}, want: []string{
			`Credentials a234567890123456789012345678901234567890123456789012345678901234: metadata.name: "a234567890123456789012345678901234567890123456789012345678901234" is not a valid name (lower case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
			`Machine r1-u05: spec.bmc.credentialsRef: Credentials r1-bmc is not declared`,
			`Machine r1-u06: spec.bmc.credentialsRef: Credentials r1-bmc is not declared`,
		}},
		{name: "bad label key and value", mutate: func(t *testing.T, o []Object) []Object {
			find(t, o, KindFleet, "edge").Metadata.Labels = map[string]string{"-bad": "ok", "Good.Prefix/x": "ok", "ok": "no spaces"}
			return o
		}, want: []string{
			`Fleet edge: metadata.labels["-bad"]: label key "-bad" is not valid (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters, with an optional DNS prefix and '/')`,
			`Fleet edge: metadata.labels["Good.Prefix/x"]: label key "Good.Prefix/x": the prefix must be a DNS subdomain`,
			`Fleet edge: metadata.labels.ok: label value "no spaces" is not valid (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters)`,
		}},
		{name: "duplicate object", mutate: func(t *testing.T, o []Object) []Object {
			dup := *find(t, o, KindImage, "edge-os")
			dup.Source = Source{File: "other.yaml", Line: 4}
			return append(o, dup)
		}, want: []string{`Image edge-os: metadata.name: Image edge-os is declared twice (first in site.yaml line 19)`}},
		// machines
		{name: "MAC syntax", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").MAC = "52:54:00:77:00"
			machineSpec(t, o, "r1-u06").MAC = "52:54:00-77:00:06"
			return o
		}, want: []string{
			`Machine r1-u05: spec.mac: "52:54:00:77:00" is not a MAC address (want six hex pairs like 52:54:00:77:00:05)`,
			`Machine r1-u06: spec.mac: "52:54:00-77:00:06" is not a MAC address (mixed or misplaced separators)`,
		}},
		{name: "MAC hex, multicast, zero, missing", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").MAC = "52:54:00:77:00:0g"
			machineSpec(t, o, "r1-u06").MAC = "01:00:5E:00:00:01"
			m := *find(t, o, KindMachine, "r1-u06")
			m.Metadata.Name, m.Spec = "r1-u07", &MachineSpec{MAC: "00:00:00:00:00:00"}
			m2 := m
			m2.Metadata.Name, m2.Spec = "r1-u08", &MachineSpec{}
			return append(o, m, m2)
		}, want: []string{
			`Machine r1-u05: spec.mac: "52:54:00:77:00:0g" is not a MAC address ('g' is not a hex digit)`,
			`Machine r1-u06: spec.mac: 01:00:5E:00:00:01 is a multicast address, not a NIC's`,
			`Machine r1-u07: spec.mac: 00:00:00:00:00:00 is the zero MAC address`,
			`Machine r1-u08: spec.mac: required (the boot NIC's MAC, like 52:54:00:77:00:05)`,
		}},
		{name: "duplicate MAC in any form", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u06").MAC = "52:54:00:77:00:05"
			return o
		}, want: []string{`Machine r1-u06: spec.mac: 52:54:00:77:00:05 is already the MAC of Machine r1-u05 (site.yaml line 28)`}},
		{name: "MAC of a live machine", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u06").MAC = "52:54:00:77:00:99"
			return o
		}, want: []string{`Machine r1-u06: spec.mac: 52:54:00:77:00:99 is already the MAC of Machine old-1 (the live inventory)`}},
		{name: "IP outside the subnet", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").IP = "198.18.1.5"
			machineSpec(t, o, "r1-u06").IP = "198.18.0.255"
			return o
		}, want: []string{
			`Machine r1-u05: spec.ip: 198.18.1.5 is outside the subnet 198.18.0.0/24 (Network lab)`,
			`Machine r1-u06: spec.ip: 198.18.0.255 is the broadcast address of 198.18.0.0/24 (Network lab)`,
		}},
		{name: "IP is the network address, the gateway, not IPv4, without network", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").IP = "198.18.0.0"
			machineSpec(t, o, "r1-u06").IP = "198.18.0.1"
			m := *find(t, o, KindMachine, "r1-u06")
			m.Metadata.Name, m.Spec = "r1-u07", &MachineSpec{MAC: "52:54:00:77:00:07", IP: "fe80::1", Network: "lab"}
			m2 := m
			m2.Metadata.Name, m2.Spec = "r1-u08", &MachineSpec{MAC: "52:54:00:77:00:08", IP: "198.18.0.8"}
			return append(o, m, m2)
		}, want: []string{
			`Machine r1-u05: spec.ip: 198.18.0.0 is the network address of 198.18.0.0/24 (Network lab)`,
			`Machine r1-u06: spec.ip: 198.18.0.1 is the network's gateway (Network lab)`,
			`Machine r1-u07: spec.ip: "fe80::1" is not an IPv4 address`,
			`Machine r1-u08: spec.ip: needs spec.network (the network the address belongs to)`,
		}},
		{name: "duplicate IP", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u06").IP = "198.18.0.105"
			return o
		}, want: []string{`Machine r1-u06: spec.ip: 198.18.0.105 is already the address of Machine r1-u05 (site.yaml line 28)`}},
		{name: "BMC address", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").BMC.Address = "http://10.0.0.5"
			machineSpec(t, o, "r1-u06").BMC.Address = "redfish://admin:secret@10.0.0.6"
			return o
		}, want: []string{
			`Machine r1-u05: spec.bmc.address: scheme "http" is not supported (want ipmi://host[:port], redfish://host[:port] or redfish+http://host[:port])`,
			`Machine r1-u06: spec.bmc.address: must not carry credentials; put them in a Credentials object and set spec.bmc.credentialsRef`,
		}},
		{name: "BMC address host, port, path, missing", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").BMC.Address = "ipmi://:623"
			machineSpec(t, o, "r1-u06").BMC.Address = "redfish+http://10.0.0.6:99999"
			m := *find(t, o, KindMachine, "r1-u06")
			m.Metadata.Name, m.Spec = "r1-u07", &MachineSpec{MAC: "52:54:00:77:00:07", BMC: &BMC{Address: "redfish://h/redfish/v1"}}
			m2 := m
			m2.Metadata.Name, m2.Spec = "r1-u08", &MachineSpec{MAC: "52:54:00:77:00:08", BMC: &BMC{}}
			return append(o, m, m2)
		}, want: []string{
			`Machine r1-u05: spec.bmc.address: "ipmi://:623" has no host (want ipmi://host[:port], redfish://host[:port] or redfish+http://host[:port])`,
			`Machine r1-u06: spec.bmc.address: port "99999" is not a port number`,
			`Machine r1-u07: spec.bmc.address: "redfish://h/redfish/v1" must not have a path, query or fragment (want ipmi://host[:port], redfish://host[:port] or redfish+http://host[:port])`,
			`Machine r1-u08: spec.bmc.address: required (want ipmi://host[:port], redfish://host[:port] or redfish+http://host[:port])`,
		}},
		{name: "hardware", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").Hardware = &Hardware{CPUs: -1, MemoryGiB: -2, Policy: "strict",
				Disks: []Disk{{SizeGiB: 1}, {SizeGiB: -3, Type: "tape", Count: -1}}}
			return o
		}, want: []string{
			`Machine r1-u05: spec.hardware.cpus: must not be negative, got -1`,
			`Machine r1-u05: spec.hardware.memoryGiB: must not be negative, got -2`,
			`Machine r1-u05: spec.hardware.policy: "strict" is not supported (want one of enforce, warn)`,
			`Machine r1-u05: spec.hardware.disks[1].sizeGiB: must not be negative, got -3`,
			`Machine r1-u05: spec.hardware.disks[1].count: must not be negative, got -1`,
			`Machine r1-u05: spec.hardware.disks[1].type: "tape" is not supported (want one of ssd, hdd, nvme)`,
		}},
		{name: "arch and firmware", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").Arch = "amd64"
			machineSpec(t, o, "r1-u05").Firmware = "efi"
			return o
		}, want: []string{
			`Machine r1-u05: spec.arch: "amd64" is not supported (want one of x86_64, arm64)`,
			`Machine r1-u05: spec.firmware: "efi" is not supported (want one of bios, uefi)`,
		}},
		{name: "unresolved references", mutate: func(t *testing.T, o []Object) []Object {
			s := machineSpec(t, o, "r1-u06")
			s.Image, s.Network, s.Cluster, s.BMC.CredentialsRef = "edge-os-1.4", "lab2", "edge-2", "r2-bmc"
			return o
		}, want: []string{
			`Machine r1-u06: spec.network: Network lab2 is not declared`,
			`Machine r1-u06: spec.bmc.credentialsRef: Credentials r2-bmc is not declared`,
			`Machine r1-u06: spec.image: Image edge-os-1.4 is not declared`,
			`Machine r1-u06: spec.cluster: Cluster edge-2 is not declared`,
			`Cluster edge-1: spec.workers.machines[0]: Machine r1-u06 belongs to Cluster edge-2 (its spec.cluster)`,
		}},
		// networks
		{name: "subnet", mutate: func(t *testing.T, o []Object) []Object {
			networkSpec(t, o).Subnet = "198.18.0.1/24"
			return o
		}, want: []string{`Network lab: spec.subnet: 198.18.0.1/24 has host bits set; did you mean 198.18.0.0/24?`}},
		{name: "subnet not IPv4, missing", mutate: func(t *testing.T, o []Object) []Object {
			networkSpec(t, o).Subnet = "2001:db8::/64"
			n := *find(t, o, KindNetwork, "lab")
			n.Metadata.Name, n.Spec = "lab2", &NetworkSpec{Mode: ModeRelay, RelayAgents: []string{"10.0.0.1"}}
			return append(o, n)
		}, want: []string{
			`Network lab: spec.subnet: "2001:db8::/64" is not an IPv4 CIDR like 198.18.0.0/24`,
			`Network lab2: spec.subnet: required (an IPv4 CIDR like 198.18.0.0/24)`,
		}},
		{name: "gateway, range, relay agents outside the subnet", mutate: func(t *testing.T, o []Object) []Object {
			s := networkSpec(t, o)
			s.Gateway, s.Range, s.RelayAgents = "198.19.0.1", &Range{Start: "198.18.0.250", End: "198.18.1.10"}, []string{"198.18.0.0"}
			return o
		}, want: []string{
			`Network lab: spec.relayAgents[0]: 198.18.0.0 is the network address of 198.18.0.0/24`,
			`Network lab: spec.gateway: 198.19.0.1 is outside the subnet 198.18.0.0/24`,
			`Network lab: spec.range.end: 198.18.1.10 is outside the subnet 198.18.0.0/24`,
		}},
		{name: "range order and gateway inside", mutate: func(t *testing.T, o []Object) []Object {
			s := networkSpec(t, o)
			s.Range = &Range{Start: "198.18.0.250", End: "198.18.0.200"}
			n := *find(t, o, KindNetwork, "lab")
			n.Metadata.Name = "lab2"
			n.Spec = &NetworkSpec{Interface: "eth1", Subnet: "10.1.0.0/16", Gateway: "10.1.0.1", Range: &Range{Start: "10.1.0.1", End: "10.1.0.9"}}
			return append(o, n)
		}, want: []string{
			`Network lab: spec.range: start 198.18.0.250 is after end 198.18.0.200`,
			`Network lab2: spec.range: 10.1.0.1-10.1.0.9 includes the gateway 10.1.0.1`,
		}},
		{name: "mode, interface, discovery, lease time", mutate: func(t *testing.T, o []Object) []Object {
			s := networkSpec(t, o)
			s.Mode, s.LeaseTime = "dhcp", "soon"
			n := *find(t, o, KindNetwork, "lab")
			n.Metadata.Name = "lab2"
			n.Spec = &NetworkSpec{Mode: ModeProxy, Subnet: "10.1.0.0/16"}
			n3 := n
			n3.Metadata.Name = "lab3"
			n3.Spec = &NetworkSpec{Interface: "a/b", Subnet: "10.2.0.0/16", Discovery: true, LeaseTime: "10s"}
			n4 := n
			n4.Metadata.Name = "lab4"
			n4.Spec = &NetworkSpec{Mode: ModeRelay, Subnet: "10.3.0.0/16"}
			return append(o, n, n3, n4)
		}, want: []string{
			`Network lab: spec.mode: "dhcp" is not supported (want one of full, proxy, relay)`,
			`Network lab: spec.leaseTime: "soon" is not a duration of at least 1m (like 12h)`,
			`Network lab2: spec.interface: required in proxy mode (the appliance interface DHCP answers on)`,
			`Network lab3: spec.interface: "a/b" is not a network interface name`,
			`Network lab3: spec.discovery: needs spec.range (the pool unknown machines get addresses from)`,
			`Network lab3: spec.leaseTime: "10s" is not a duration of at least 1m (like 12h)`,
			`Network lab4: spec.relayAgents: required in relay mode (the relay agents' addresses on this subnet)`,
		}},
		{name: "dns, ntp, domain", mutate: func(t *testing.T, o []Object) []Object {
			s := networkSpec(t, o)
			s.DNS, s.NTP, s.Domain = []string{"dns.example"}, []string{"bad host!"}, "-x.example"
			return o
		}, want: []string{
			`Network lab: spec.dns[0]: "dns.example" is not an IPv4 address`,
			`Network lab: spec.ntp[0]: "bad host!" is not a host name or IP address`,
			`Network lab: spec.domain: "-x.example" is not a DNS domain`,
		}},
		// images
		{name: "url and file", mutate: func(t *testing.T, o []Object) []Object {
			imageSpec(t, o).File = "/var/lib/slipway/images/a.raw"
			return o
		}, want: []string{`Image edge-os: spec.file: set only one of url and file`}},
		{name: "neither url nor file", mutate: func(t *testing.T, o []Object) []Object {
			imageSpec(t, o).URL = ""
			return o
		}, want: []string{`Image edge-os: spec: set one of url (fetched by the appliance) and file (a path on the appliance)`}},
		{name: "url scheme, relative file", mutate: func(t *testing.T, o []Object) []Object {
			imageSpec(t, o).URL = "ftp://images.example/a.raw"
			i := *find(t, o, KindImage, "edge-os")
			i.Metadata.Name = "os2"
			i.Spec = &ImageSpec{File: "images/../a.raw", Format: "raw", SHA256: imageSpec(t, o).SHA256}
			return append(o, i)
		}, want: []string{
			`Image edge-os: spec.url: "ftp://images.example/a.raw" is not an http or https URL`,
			`Image os2: spec.file: "images/../a.raw" is not a clean absolute path`,
		}},
		{name: "format", mutate: func(t *testing.T, o []Object) []Object {
			imageSpec(t, o).Format = "qcow2"
			return o
		}, want: []string{`Image edge-os: spec.format: "qcow2" is not supported (want one of raw, raw.zst, raw.gz, raw.xz)`}},
		{name: "sha256 and format missing", mutate: func(t *testing.T, o []Object) []Object {
			imageSpec(t, o).Format = ""
			imageSpec(t, o).SHA256 = ""
			return o
		}, want: []string{
			`Image edge-os: spec.format: required (want one of raw, raw.zst, raw.gz, raw.xz)`,
			`Image edge-os: spec.sha256: required (64 hex digits)`,
		}},
		{name: "sha256 syntax, signature", mutate: func(t *testing.T, o []Object) []Object {
			imageSpec(t, o).SHA256 = "abc123"
			imageSpec(t, o).Signature = &Signature{Type: "gpg", URL: "file:///x"}
			return o
		}, want: []string{
			`Image edge-os: spec.sha256: "abc123" is not a sha256 (64 hex digits)`,
			`Image edge-os: spec.signature.keyRef: required (the name of a configured signing key)`,
			`Image edge-os: spec.signature.type: "gpg" is not supported (want one of ed25519, minisign)`,
			`Image edge-os: spec.signature.url: "file:///x" is not an http or https URL`,
		}},
		// clusters and fleets
		{name: "kubernetes version and control plane size", mutate: func(t *testing.T, o []Object) []Object {
			c := clusterSpec(t, o)
			c.KubernetesVersion, c.ControlPlane.Machines = "1.37", []string{"r1-u05", "r1-u06"}
			c.Workers.Machines = nil
			return o
		}, want: []string{
			`Cluster edge-1: spec.kubernetesVersion: "1.37" is not a Kubernetes version like v1.37.2`,
			`Cluster edge-1: spec.controlPlane.machines: want 1 or 3 machines (etcd needs an odd quorum), got 2`,
		}},
		{name: "control plane machine of another cluster", mutate: func(t *testing.T, o []Object) []Object {
			machineSpec(t, o, "r1-u05").Cluster = "edge-2"
			c := *find(t, o, KindCluster, "edge-1")
			c.Metadata.Name = "edge-2"
			c.Spec = &ClusterSpec{KubernetesVersion: "v1.37.2", ControlPlane: ControlPlane{Machines: []string{"r1-u06"}}}
			return append(o, c)
		}, want: []string{
			`Cluster edge-1: spec.controlPlane.machines[0]: Machine r1-u05 belongs to Cluster edge-2 (its spec.cluster)`,
			`Cluster edge-2: spec.controlPlane.machines[0]: Machine r1-u06 is already a member of Cluster edge-1 (spec.workers.machines[0])`,
		}},
		{name: "machine twice in a cluster, missing machine", mutate: func(t *testing.T, o []Object) []Object {
			clusterSpec(t, o).Workers.Machines = []string{"r1-u05", "r9-u01"}
			return o
		}, want: []string{
			`Cluster edge-1: spec.workers.machines[1]: Machine r9-u01 is not declared`,
			`Cluster edge-1: spec.workers.machines[0]: Machine r1-u05 is already listed at spec.controlPlane.machines[0]`,
		}},
		{name: "endpoint, CIDRs, selector", mutate: func(t *testing.T, o []Object) []Object {
			c := clusterSpec(t, o)
			c.ControlPlane.Endpoint, c.PodCIDR, c.ServiceCIDR = "http://api:6443", "10.96.0.0/16", "10.96.0.0/12"
			c.Workers.Selector = map[string]string{"role": "bad value"}
			return o
		}, want: []string{
			`Cluster edge-1: spec.controlPlane.endpoint: "http://api:6443": the API endpoint is https`,
			`Cluster edge-1: spec.workers.selector.role: label value "bad value" is not valid (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters)`,
			`Cluster edge-1: spec.serviceCIDR: 10.96.0.0/12 overlaps spec.podCIDR 10.96.0.0/16`,
		}},
		{name: "CIDR syntax", mutate: func(t *testing.T, o []Object) []Object {
			clusterSpec(t, o).PodCIDR = "10.244.0.0"
			clusterSpec(t, o).ServiceCIDR = "10.96.0.1/12"
			return o
		}, want: []string{
			`Cluster edge-1: spec.podCIDR: "10.244.0.0" is not a CIDR like 10.244.0.0/16`,
			`Cluster edge-1: spec.serviceCIDR: 10.96.0.1/12 has host bits set; did you mean 10.96.0.0/12?`,
		}},
		{name: "fleet membership", mutate: func(t *testing.T, o []Object) []Object {
			find(t, o, KindFleet, "edge").Spec = &FleetSpec{Clusters: []string{"edge-1", "edge-1", "edge-9"}}
			f := *find(t, o, KindFleet, "edge")
			f.Metadata.Name = "core"
			f.Spec = &FleetSpec{Clusters: []string{"edge-1"}}
			return append(o, f)
		}, want: []string{
			`Fleet edge: spec.clusters[1]: Cluster edge-1 is listed twice`,
			`Fleet edge: spec.clusters[2]: Cluster edge-9 is not declared`,
			`Fleet core: spec.clusters[0]: Cluster edge-1 is already in Fleet edge`,
		}},
		{name: "cluster names a fleet that does not list it", mutate: func(t *testing.T, o []Object) []Object {
			find(t, o, KindFleet, "edge").Spec = &FleetSpec{Clusters: []string{"edge-2"}}
			c := *find(t, o, KindCluster, "edge-1")
			c.Metadata.Name = "edge-2"
			c.Spec = &ClusterSpec{KubernetesVersion: "v1.37.2", ControlPlane: ControlPlane{Machines: []string{"r2-u01"}}, Fleet: "core"}
			return append(o, c)
		}, want: []string{
			`Cluster edge-1: spec.fleet: Fleet edge does not list this cluster in its spec.clusters`,
			`Fleet edge: spec.clusters[0]: Cluster edge-2 belongs to Fleet core (its spec.fleet)`,
			`Cluster edge-2: spec.controlPlane.machines[0]: Machine r2-u01 is not declared`,
			`Cluster edge-2: spec.fleet: Fleet core is not declared`,
		}},
		{name: "credentials type", mutate: func(t *testing.T, o []Object) []Object {
			find(t, o, KindCredentials, "r1-bmc").Spec = &CredentialsSpec{Type: "ssh"}
			return o
		}, want: []string{`Credentials r1-bmc: spec.type: "ssh" is not supported (want one of bmc, kubeconfig)`}},
	}
	live := liveObject(t, KindMachine, "old-1", `{"mac":"52:54:00:77:00:99"}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := tt.mutate(t, site(t))
			assert.Equal(t, tt.want, messages(Validate(objs, []Object{live})))
		})
	}
}

// liveObject builds a stored-looking object.
func liveObject(t testing.TB, k Kind, name, spec string) Object {
	t.Helper()
	o, err := FromStored(storeObject(k, name, spec, 1))
	require.NoError(t, err)
	return o
}

func TestValidateLocatesErrors(t *testing.T) {
	objs, err := Decode("site/rack1.yaml", []byte(machineDoc))
	require.NoError(t, err)
	errs := Validate(objs, nil)
	require.Len(t, errs, 3)
	assert.Equal(t, "site/rack1.yaml: Machine r1-u07: spec.bmc.credentialsRef: Credentials r1-bmc is not declared (line 10)", errs[0].Error())
	assert.Equal(t, "site/rack1.yaml: Machine r1-u07: spec.image: Image edge-os-1.4 is not declared (line 15)", errs[1].Error())
	assert.Equal(t, "site/rack1.yaml: Machine r1-u07: spec.cluster: Cluster edge-1 is not declared (line 16)", errs[2].Error())
}

func TestValidateLiveObjectsResolveReferences(t *testing.T) {
	objs, err := Decode("site/rack1.yaml", []byte(machineDoc))
	require.NoError(t, err)
	live := []Object{
		liveObject(t, KindCredentials, "r1-bmc", `{}`),
		liveObject(t, KindImage, "edge-os-1.4", `{"file":"/a.raw","format":"raw","sha256":"`+sha+`"}`),
		liveObject(t, KindCluster, "edge-1", `{"kubernetesVersion":"v1.37.2","controlPlane":{"machines":["r1-u07"]}}`),
	}
	assert.Empty(t, Validate(objs, live))
}
