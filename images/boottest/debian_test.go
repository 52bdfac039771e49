package boottest

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// debianTimeout bounds one Debian boot to phone-home under TCG.
const debianTimeout = 8 * time.Minute

// TestDebianImagePhonesHome boots the Debian image under SeaBIOS and OVMF
// and waits for real cloud-init's phone_home POST; before it, a runcmd
// script checks the Kubernetes node's binaries, units and preloaded images
// (kubeScript). SLIPWAY_VM_DEBIAN_FW=bios
// or uefi boots only one of them.
func TestDebianImagePhonesHome(t *testing.T) {
	gateVM(t, "SLIPWAY_VM_DEBIAN")
	zst := artifact(t, "os/debian.raw.zst", "images-debian")
	s := newSite(t)
	took := map[string]time.Duration{}
	machines := []machine{
		{Name: "debian-bios", MAC: "52:54:00:71:01:01", Memory: 1024},
		{Name: "debian-uefi", MAC: "52:54:00:71:01:02", Memory: 1024, UEFI: true},
	}
	only := os.Getenv("SLIPWAY_VM_DEBIAN_FW")
	for _, m := range machines {
		t.Run(m.Name, func(t *testing.T) {
			if only != "" && only != map[bool]string{false: "bios", true: "uefi"}[m.UEFI] {
				t.Skipf("SLIPWAY_VM_DEBIAN_FW=%s", only)
			}
			sd := seed{InstanceID: "iid-" + m.Name, Hostname: m.Name, URL: s.url("slwp_" + m.Name), Script: kubeScript}
			m.Disk = installDisk(t, zst, 2048*mib, sd)
			r := s.boot(t, m)
			p := s.waitPhoneHome(t, r, debianTimeout, nil)
			assert.Equal(t, "slwp_"+m.Name, p.Token)
			assert.Equal(t, sd.InstanceID, p.Form.Get("instance_id"))
			assert.Equal(t, sd.Hostname, p.Form.Get("hostname"))
			took[m.Name] = p.At.Sub(r.started)
			assert.Contains(t, r.log(), "slipway-overlay: root is read-only", "the root is the read-only image under the overlay")
			checkKube(t, r.log(), m.Name)
		})
	}
	fmt.Printf("\nDebian 12 image (QEMU TCG, 1 vCPU, 1 GiB, virtio disk): QEMU start → cloud-init phone_home POST\n")
	for _, m := range machines {
		if d, ok := took[m.Name]; ok {
			fmt.Printf("  %-12s %-5s %6.1f s\n", m.Name, firmware(m), d.Seconds())
		}
	}
}
