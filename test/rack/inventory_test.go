package rack

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite deploy/examples/rack/rack.yaml and testdata")

// The example inventory in deploy/examples/rack is what the demo rack applies.
func TestInventoryIsTheExample(t *testing.T) {
	got := Inventory(DefaultMachines(), nil)
	path := filepath.Join(RepoRoot(), "deploy", "examples", "rack", "rack.yaml")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "run go test ./test/rack -run TestInventoryIsTheExample -update")
}

// The rendered inventory decodes and validates as the appliance would.
func TestInventoryValidates(t *testing.T) {
	dup := MachineAt(9, "bios")
	dup.MAC, dup.Undeclared = MachineAt(5, "bios").MAC, true
	big := MachineAt(7, "uefi")
	big.DiskGiB, big.MemoryMiB = 8, 2048
	img := &Image{Name: "tiny", File: "/srv/tiny.raw.zst", Format: "raw.zst",
		SHA256: "9f2c4e1d7b3a58c06e21f4d9a8b7c6e5d4f3a2b1c0e9d8f7a6b5c4d3e2f1a0b9"}
	for _, tc := range []struct {
		name     string
		machines []Machine
		image    *Image
		objects  int
	}{
		{"demo", DefaultMachines(), nil, 4},
		{"image and a big machine", append(DefaultMachines(), big), img, 6},
		{"undeclared duplicate left out", append(DefaultMachines(), dup), img, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := inventory.Decode("rack.yaml", []byte(Inventory(tc.machines, tc.image)))
			require.NoError(t, err)
			assert.Len(t, objs, tc.objects)
			require.NoError(t, inventory.Validate(objs, nil).Err())
		})
	}
}

func TestImageFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.raw.zst")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
	_, err := ImageFromFile("tiny", path)
	require.ErrorContains(t, err, "tiny.raw.zst.sha256")
	sum := "2D711642B726B04401627CA9FBAC32F5C8530FB1903CC4DB02258717921A4881"
	require.NoError(t, os.WriteFile(path+".sha256", []byte(sum+"  tiny.raw.zst\n"), 0o644))
	img, err := ImageFromFile("tiny", path)
	require.NoError(t, err)
	assert.Equal(t, Image{Name: "tiny", File: path, Format: "raw.zst", SHA256: "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}, img)
}

func TestMachineAt(t *testing.T) {
	m := MachineAt(10, "uefi").withDefaults()
	assert.Equal(t, Machine{Name: "r1-u10", MAC: "52:54:00:77:00:0a", Unit: 10, Firmware: "uefi",
		DiskGiB: 2, MemoryMiB: 1024, CPUs: 1}, m)
	assert.Equal(t, 6240, m.BMCPort())
	assert.Equal(t, "198.18.0.110", m.IP())
	assert.Equal(t, "tap-u10", m.Tap())
}

// TestClusterExampleValidates: the cluster example of `make run-cluster`
// validates together with the rack's inventory.
func TestClusterExampleValidates(t *testing.T) {
	files, err := inventory.ReadPaths([]string{filepath.Join(RepoRoot(), "deploy", "examples", "rack-cluster")})
	require.NoError(t, err)
	objs, err := inventory.DecodeFiles(files)
	require.NoError(t, err)
	rack, err := inventory.Decode("rack.yaml", []byte(Inventory(DefaultMachines(), nil)))
	require.NoError(t, err)
	assert.Empty(t, inventory.Validate(append(rack, objs...), nil))
	assert.Len(t, objs, 2)
}
