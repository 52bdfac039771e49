package node

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArgsBootOrder(t *testing.T) {
	s := Spec{Name: "r1-u06", MAC: "52:54:00:77:00:06", Tap: "tap-u06", Disk: "/d/disk.raw", Serial: "/d/serial.log",
		MemoryMiB: 1024, CPUs: 1}
	for _, tc := range []struct {
		name, firmware, dev string
		want, notWant       []string
	}{
		{"bios pxe: NIC first, iPXE ROM", BIOS, "pxe",
			[]string{"mac=52:54:00:77:00:06,bootindex=1", "drive=d0,bootindex=2"}, []string{"romfile=", "pflash"}},
		{"bios default: disk first", BIOS, "default",
			[]string{"mac=52:54:00:77:00:06,bootindex=2", "drive=d0,bootindex=1"}, nil},
		{"uefi pxe: OVMF's own PXE, fresh vars file", UEFI, "pxe",
			[]string{"bootindex=1,romfile=", "drive=d0,bootindex=2", "file=" + OVMFCode, "file=/d/OVMF_VARS.fd"}, nil},
		{"uefi none: disk first", UEFI, "none", []string{"bootindex=2,romfile=", "drive=d0,bootindex=1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Firmware = tc.firmware
			line := strings.Join(Args(s, "/d", tc.dev), " ")
			for _, w := range append(tc.want, "-no-reboot", "-serial file:/d/serial.log", "ifname=tap-u06", "-m 1024", "graphics=off", "-vga none") {
				assert.Contains(t, line, w)
			}
			for _, w := range tc.notWant {
				assert.NotContains(t, line, w)
			}
		})
	}
}

func TestSpecRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := Spec{Name: "r1-u05", MAC: "52:54:00:77:00:05", Tap: "tap-u05", Disk: "d", Serial: "s", Firmware: BIOS, MemoryMiB: 2048, CPUs: 1}
	require.NoError(t, s.Write(dir))
	got, err := ReadSpec(dir)
	require.NoError(t, err)
	assert.Equal(t, s, got)
	_, err = ReadSpec(t.TempDir())
	assert.ErrorContains(t, err, "machine spec")
}
