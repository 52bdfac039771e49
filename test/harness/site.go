package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// SiteYAML renders an inventory of n machines plus the network, credentials
// and image they refer to. tag goes into every machine's labels, so two sites
// of the same size differ in exactly those fields.
func SiteYAML(n int, tag string) string {
	var b strings.Builder
	b.WriteString(`apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec: {mode: full, interface: slipway0, subnet: 198.18.0.0/16, gateway: 198.18.0.1}
---
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: lab-bmc}
spec: {description: lab BMCs}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: edge-os}
spec:
  file: /var/lib/slipway/images/edge-os.raw.zst
  format: raw.zst
  sha256: 0f343b0931126a20f133d67c2b018a3b5d0b5c5b1f3e0e5a8e6c0b5e3f7a9d1c
`)
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata:
  name: m%05d
  labels: {rack: r%d, tag: %s}
spec:
  mac: "52:54:%02x:%02x:%02x:%02x"
  network: lab
  ip: 198.18.%d.%d
  bmc: {address: "ipmi://198.18.%d.%d:623", credentialsRef: lab-bmc}
  hardware: {cpus: 8, memoryGiB: 32, disks: [{sizeGiB: 480, type: ssd}]}
  image: edge-os
`, i, i/40, tag, 0x10, (i>>16)&0xff, (i>>8)&0xff, i&0xff,
			1+i/250, 1+i%250, 100+(i/250)%100, 1+i%250)
	}
	return b.String()
}

// WriteSite writes SiteYAML(n, tag) into a new directory and returns it.
func WriteSite(t testing.TB, n int, tag string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site.yaml"), []byte(SiteYAML(n, tag)), 0o644))
	return dir
}
