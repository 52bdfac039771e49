package inventory

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// rackFiles is an inventory of n machines (one network, credentials, image,
// cluster and fleet), as a site would keep it: one file per 40-unit rack.
func rackFiles(n int) []File {
	common := fmt.Sprintf(`apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: lab}
spec: {interface: slipway0, subnet: 10.20.0.0/20, gateway: 10.20.0.1}
---
apiVersion: slipway.dev/v1alpha1
kind: Credentials
metadata: {name: bmc}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: edge-os}
spec: {file: /var/lib/slipway/images/edge-os.raw.zst, format: raw.zst, sha256: %s}
---
apiVersion: slipway.dev/v1alpha1
kind: Cluster
metadata: {name: big}
spec:
  kubernetesVersion: v1.37.2
  controlPlane: {machines: [m0000, m0001, m0002]}
  workers: {selector: {role: worker}}
  fleet: edge
---
apiVersion: slipway.dev/v1alpha1
kind: Fleet
metadata: {name: edge}
spec: {clusters: [big]}
`, sha)
	files := []File{{Name: "site/common.yaml", Content: common}}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata:
  name: m%04d
  labels: {rack: r%d, unit: "%d", role: worker}
spec:
  mac: "52:54:00:%02x:%02x:%02x"
  network: lab
  ip: 10.20.%d.%d
  bmc: {address: "ipmi://10.30.%d.%d:623", credentialsRef: bmc}
  hardware: {cpus: 32, memoryGiB: 256, disks: [{sizeGiB: 960, type: ssd}, {sizeGiB: 4000, type: hdd, count: 2}]}
  image: edge-os
  cluster: big
`, i, i/40, i%40+1, i>>16&0xff, i>>8&0xff, i&0xff, 1+(i+10)/250, (i+10)%250+2, i/250, i%250+1)
		if i%40 == 39 || i == n-1 {
			files = append(files, File{Name: fmt.Sprintf("site/rack%02d.yaml", i/40), Content: b.String()})
			b.Reset()
		}
	}
	return files
}

func TestRackFilesAreValid(t *testing.T) {
	db := openDB(t, store.Config{Driver: store.DriverSQLite, Path: filepath.Join(t.TempDir(), "slipway.db")})
	p, err := Apply(t.Context(), db, rackFiles(100), ApplyOptions{})
	require.NoError(t, err)
	require.Equal(t, "Plan: 105 to create, 0 to update, 0 to delete.", p.Summary())
}

// BenchmarkApply1000 is `slipway apply` of a 1,000-machine inventory into an
// empty store (SQLite, synchronous=FULL): decode, validate, plan, write 1,005
// objects, 1,000 machines and their events in one transaction.
func BenchmarkApply1000(b *testing.B) {
	files := rackFiles(1000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := openDB(b, store.Config{Driver: store.DriverSQLite, Path: filepath.Join(b.TempDir(), fmt.Sprintf("s%d.db", i))})
		b.StartTimer()
		p, err := Apply(b.Context(), db, files, ApplyOptions{Actor: "bench"})
		require.NoError(b, err)
		require.Len(b, p.Changes, 1005)
	}
}

// BenchmarkApply1000NoChanges is the second apply of the same inventory: a
// full plan that finds nothing to do.
func BenchmarkApply1000NoChanges(b *testing.B) {
	files := rackFiles(1000)
	db := openDB(b, store.Config{Driver: store.DriverSQLite, Path: filepath.Join(b.TempDir(), "slipway.db")})
	_, err := Apply(b.Context(), db, files, ApplyOptions{})
	require.NoError(b, err)
	for b.Loop() {
		p, err := Apply(b.Context(), db, files, ApplyOptions{})
		require.NoError(b, err)
		require.True(b, p.Empty())
	}
}
