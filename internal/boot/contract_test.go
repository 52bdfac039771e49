package boot

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	pintftp "github.com/pin/tftp/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/tftp"
)

// dhcpBootFiles are the boot file names the DHCP server hands out, by
// client: TFTP names for firmware PXE, HTTP paths for UEFI HTTP boot and
// for iPXE itself. (Spelled here as the DHCP server spells them; this test
// is what fails when either side drifts.)
var dhcpBootFiles = struct{ tftp, http []string }{
	tftp: []string{"undionly.kpxe", "snponly.efi", "ipxe.efi"},
	http: []string{"/boot/bin/ipxe.efi", "/boot/bin/snponly.efi", "/boot/ipxe/52:54:00:77:00:02"},
}

var urlRE = regexp.MustCompile(`http://\S+`)

// TestBootContract: every file any rendered script points to, and every
// boot file name the DHCP server hands out, is actually served: the HTTP
// ones by this package's handler, the TFTP ones by the real TFTP server
// over loopback from the TFTP root both share.
func TestBootContract(t *testing.T) {
	f := newFixture(t)
	scripts := map[string]string{}
	for _, c := range []struct{ mac, client string }{
		{"52:54:00:77:00:01", onLab}, {"52:54:00:77:00:02", onLab}, {"52:54:00:77:00:b1", onDisco},
		{"52:54:00:77:00:06", onLab}, {"52:54:00:77:00:07", onLab}, {"52:54:00:99:00:11", onDisco},
		{"52:54:00:99:00:10", onLab},
	} {
		w := f.get(t, "/boot/ipxe/"+c.mac, c.client)
		require.Equal(t, http.StatusOK, w.Code)
		scripts[c.mac] = w.Body.String()
	}
	variants := map[Variant]bool{}
	urls := map[string]bool{}
	for mac, s := range scripts {
		variants[variantOf(s)] = true
		for _, u := range urlRE.FindAllString(s, -1) {
			require.True(t, strings.HasPrefix(u, advertise+"/"), "script for %s points away from the advertised URL: %s", mac, u)
			urls[strings.TrimPrefix(u, advertise)] = true
		}
	}
	assert.Len(t, variants, 4, "every variant was rendered")
	require.NotEmpty(t, urls)
	for _, p := range dhcpBootFiles.http {
		urls[p] = true
	}
	for p := range urls {
		w := f.get(t, p, onLab)
		require.Equal(t, http.StatusOK, w.Code, "%s is pointed to but not served", p)
		require.NotZero(t, w.Body.Len(), p)
	}

	for _, name := range tftp.BootFiles() {
		_, err := os.Stat(filepath.Join(f.tftpRoot, name))
		require.NoError(t, err, "PrepareRoot's file %s is in the shared root", name)
	}
	addr := startTFTP(t, f.tftpRoot)
	for _, name := range dhcpBootFiles.tftp {
		got := tftpGet(t, addr, name)
		want, err := os.ReadFile(filepath.Join(f.tftpRoot, name))
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "TFTP %s", name)
		w := f.get(t, "/boot/bin/"+name, onLab)
		require.True(t, bytes.Equal(want, w.Body.Bytes()), "HTTP /boot/bin/%s is the same file", name)
	}
}

func variantOf(script string) Variant {
	switch {
	case strings.Contains(script, "\nkernel "):
		return VariantAgent
	case strings.Contains(script, "\nsanboot "):
		return VariantDisk
	case strings.Contains(script, "\nchain "):
		return VariantWait
	}
	return VariantDeny
}

func startTFTP(t *testing.T, root string) string {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	s, err := tftp.New(tftp.Config{Root: root}, tftp.Deps{Conn: conn})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return conn.LocalAddr().String()
}

// tftpGet fetches name with pin/tftp's client at blksize 1468.
func tftpGet(t *testing.T, addr, name string) []byte {
	t.Helper()
	c, err := pintftp.NewClient(addr)
	require.NoError(t, err)
	c.SetBlockSize(1468)
	c.SetTimeout(2 * time.Second)
	wt, err := c.Receive(name, "octet")
	require.NoError(t, err, name)
	var b bytes.Buffer
	_, err = wt.WriteTo(&b)
	require.NoError(t, err, name)
	return b.Bytes()
}
