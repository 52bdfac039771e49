package boottest

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// tinyTimeout bounds one tiny OS boot (measured: see the printed table).
const tinyTimeout = 3 * time.Minute

var (
	tinyMarker = regexp.MustCompile(`SLIPWAY-OS-BOOTED hostname=(\S+) phone-home=(\S+)`)
	tinyFailed = regexp.MustCompile(`SLIPWAY-OS-BOOTED .*phone-home=failed`)
)

// TestTinyImagePhonesHome boots the tiny image under SeaBIOS and under
// OVMF from a virtio disk carrying a CIDATA seed, and checks the POST the
// phone-home server receives and the serial marker.
func TestTinyImagePhonesHome(t *testing.T) {
	gateVM(t, "")
	zst := artifact(t, "os/tiny.raw.zst", "images-tiny")
	s := newSite(t)
	type result struct{ post, marker time.Duration }
	results := map[string]result{}
	machines := []machine{
		{Name: "tiny-bios", MAC: "52:54:00:71:00:01", Memory: 256},
		{Name: "tiny-uefi", MAC: "52:54:00:71:00:02", Memory: 256, UEFI: true},
	}
	for _, m := range machines {
		t.Run(m.Name, func(t *testing.T) {
			sd := seed{InstanceID: "iid-" + m.Name, Hostname: m.Name, URL: s.url("slwp_" + m.Name)}
			m.Disk = installDisk(t, zst, 128*mib, sd)
			r := s.boot(t, m)
			p := s.waitPhoneHome(t, r, tinyTimeout, tinyFailed)
			assert.Equal(t, "slwp_"+m.Name, p.Token)
			assert.Equal(t, sd.InstanceID, p.Form.Get("instance_id"))
			assert.Equal(t, sd.Hostname, p.Form.Get("hostname"))
			got := r.waitSerial(t, tinyMarker, 30*time.Second)
			assert.Equal(t, []string{m.Name, "ok"}, got[1:])
			results[m.Name] = result{post: p.At.Sub(r.started), marker: time.Since(r.started)}
		})
	}
	fmt.Printf("\nTiny OS (QEMU TCG, 1 vCPU, 256 MiB, virtio disk): QEMU start → phone-home POST\n")
	for _, m := range machines {
		fmt.Printf("  %-10s %-5s %6.1f s\n", m.Name, firmware(m), results[m.Name].post.Seconds())
	}
}

func firmware(m machine) string {
	if m.UEFI {
		return "UEFI"
	}
	return "BIOS"
}
