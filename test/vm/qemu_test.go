package vm

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQEMUArgs(t *testing.T) {
	if _, err := os.Stat(OVMFVars); err != nil {
		t.Skip("ovmf is not installed")
	}
	tests := []struct {
		name   string
		node   Node
		nic    string
		uefi   bool
		memory string
	}{
		{"bios: iPXE option ROM", Node{Name: "b", MAC: "52:54:00:00:00:01"}, "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,bootindex=1", false, "512"},
		{"uefi: OVMF's own PXE", Node{Name: "u", MAC: "52:54:00:00:00:02", UEFI: true, Memory: 1024},
			"virtio-net-pci,netdev=n0,mac=52:54:00:00:00:02,bootindex=1,romfile=", true, "1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args, err := qemuArgs(tt.node, dir, "tap-x", filepath.Join(dir, "serial.log"))
			require.NoError(t, err)
			assert.Equal(t, []string{"-device", tt.nic}, args[len(args)-2:])
			assert.Contains(t, args, "tap,id=n0,ifname=tap-x,script=no,downscript=no")
			assert.Equal(t, tt.memory, args[slices.Index(args, "-m")+1])
			vars := filepath.Join(dir, "OVMF_VARS.fd")
			if !tt.uefi {
				assert.NoFileExists(t, vars)
				assert.NotContains(t, args, "-drive")
				return
			}
			assert.Contains(t, args, "if=pflash,format=raw,unit=0,readonly=on,file="+OVMFCode)
			assert.Contains(t, args, "if=pflash,format=raw,unit=1,file="+vars)
			want, err := os.ReadFile(OVMFVars)
			require.NoError(t, err)
			got, err := os.ReadFile(vars)
			require.NoError(t, err)
			assert.Equal(t, want, got, "a fresh copy of the variables")
		})
	}
}
