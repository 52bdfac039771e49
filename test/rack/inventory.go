package rack

import (
	"fmt"
	"strings"
)

// Inventory renders the rack's declared topology: the boot network, the
// BMC credentials (a reference: the secret is stored with `slipway create
// credentials`), one Machine per declared VM (MAC, BMC, firmware, the
// hardware BOM matching the VM) and, when image is set, the Image every
// machine installs. deploy/examples/rack/rack.yaml is this for
// DefaultMachines and no image (a test keeps them equal).
func Inventory(machines []Machine, image *Image) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# The virtual rack (test/rack, make run): its boot network, where Slipway is the
# DHCP server on the bridge %[1]s, the login of its simulated BMCs and its machines.
apiVersion: slipway.dev/v1alpha1
kind: Network
metadata:
  name: %[2]s
spec:
  mode: full
  interface: %[1]s
  subnet: %[3]s
  gateway: %[4]s
  dns: [%[4]s]
  leaseTime: 1h
---
# The secret is never in git: the rack stores it with
#   slipway create credentials %[5]s --username %[6]s --password-stdin
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata:
  name: %[5]s
spec:
  type: bmc
  description: IPMI login of the virtual rack's ipmi_sim BMCs
`, Bridge, NetName, Subnet, Addr, CredsName, BMCUser)
	for _, m := range machines {
		if m = m.withDefaults(); !m.Undeclared {
			writeMachine(&b, m, image)
		}
	}
	if image != nil {
		fmt.Fprintf(&b, `---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata:
  name: %s
spec:
  file: %s
  format: %s
  sha256: %s
`, image.Name, image.File, image.Format, image.SHA256)
	}
	return b.String()
}

func writeMachine(b *strings.Builder, m Machine, image *Image) {
	fmt.Fprintf(b, `---
# QEMU, %[1]s firmware, %[2]d vCPU, %[3]d MiB, a %[4]d GiB disk; its BMC is ipmi_sim on the appliance's address.
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata:
  name: %[5]s
  labels:
    rack: r1
    unit: "%[6]d"
spec:
  mac: "%[7]s"
  network: %[8]s
  ip: %[9]s
  firmware: %[1]s
  bmc:
    address: ipmi://%[10]s:%[11]d
    credentialsRef: %[12]s
  hardware:
    cpus: %[2]d
    memoryGiB: %[13]d
    disks:
      - sizeGiB: %[4]d
    policy: warn
`, m.Firmware, m.CPUs, m.MemoryMiB, m.DiskGiB, m.Name, m.Unit, m.MAC, NetName, m.IP(), Addr, m.BMCPort(),
		CredsName, max(m.MemoryMiB/1024, 1))
	if image != nil {
		fmt.Fprintf(b, "  image: %s\n", image.Name)
	}
}
