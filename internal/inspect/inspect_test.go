package inspect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
)

// fakeRoot is a sysfs/procfs tree in a temp dir.
type fakeRoot struct {
	t    *testing.T
	root string
}

func newFakeRoot(t *testing.T) *fakeRoot { return &fakeRoot{t: t, root: t.TempDir()} }

func (f *fakeRoot) file(path, content string) {
	p := filepath.Join(f.root, path)
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content+"\n"), 0o644))
}

// cpus writes sockets × cores × threads logical processors.
func (f *fakeRoot) cpus(model string, sockets, cores, threads int) {
	var info strings.Builder
	lp := 0
	for s := range sockets {
		for c := range cores {
			for range threads {
				fmt.Fprintf(&info, "processor\t: %d\nvendor_id\t: GenuineIntel\nmodel name\t: %s\nflags\t\t: fpu sse\n\n", lp, model)
				dir := fmt.Sprintf("sys/devices/system/cpu/cpu%d/", lp)
				f.file(dir+"topology/physical_package_id", fmt.Sprint(s))
				f.file(dir+"topology/core_id", fmt.Sprint(c))
				f.file(dir+"online", "1")
				lp++
			}
		}
	}
	f.file("proc/cpuinfo", info.String())
}

func (f *fakeRoot) memory(blocks int) {
	f.file("proc/meminfo", "MemTotal:       16000000 kB\nMemFree:        1000 kB")
	f.file("sys/devices/system/memory/block_size_bytes", "8000000") // 128 MiB, hex
	for i := range blocks {
		f.file(fmt.Sprintf("sys/devices/system/memory/memory%d/state", i), "online")
	}
}

func (f *fakeRoot) disk(name string, sectors int64, rotational, removable bool, attrs map[string]string) {
	dir := "sys/block/" + name + "/"
	f.file(dir+"size", fmt.Sprint(sectors))
	f.file(dir+"queue/rotational", map[bool]string{true: "1", false: "0"}[rotational])
	f.file(dir+"removable", map[bool]string{true: "1", false: "0"}[removable])
	f.file(dir+"dev", "252:0")
	for k, v := range attrs {
		f.file(dir+k, v)
	}
}

func (f *fakeRoot) nic(name, mac string, carrier, speed string, virtual bool) {
	target := filepath.Join(f.root, "sys/devices/pci0000:00/0000:00:03.0/net", name)
	if virtual {
		target = filepath.Join(f.root, "sys/devices/virtual/net", name)
	}
	for k, v := range map[string]string{"address": mac, "addr_assign_type": "0", "carrier": carrier, "speed": speed} {
		p := filepath.Join(target, k)
		require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(f.t, os.WriteFile(p, []byte(v+"\n"), 0o644))
	}
	link := filepath.Join(f.root, "sys/class/net", name)
	require.NoError(f.t, os.MkdirAll(filepath.Dir(link), 0o755))
	require.NoError(f.t, os.Symlink(target, link))
}

func (f *fakeRoot) dmi(vendor, product, serial, uuid string) {
	f.file("sys/class/dmi/id/sys_vendor", vendor)
	f.file("sys/class/dmi/id/product_name", product)
	f.file("sys/class/dmi/id/product_serial", serial)
	f.file("sys/class/dmi/id/product_uuid", uuid)
}

func TestInspect(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(f *fakeRoot)
		want  agent.Inventory
	}{{
		name: "server",
		build: func(f *fakeRoot) {
			f.cpus("Intel(R) Xeon(R) Gold 6338", 2, 4, 2)
			f.memory(8)
			f.disk("sda", 1875385008, false, false, map[string]string{"device/model": "SAMSUNG MZ7L3960", "device/serial": "S5X1"})
			f.disk("sdb", 7814037168, true, false, map[string]string{"device/model": "ST4000NM", "device/serial": "ZC1"})
			f.disk("nvme0n1", 3750748848, false, false, map[string]string{"device/model": "INTEL SSDPE2KX040T8", "device/serial": "PHLJ1"})
			f.disk("sdc", 30031872, false, true, nil) // a USB stick
			f.disk("loop0", 1024, false, false, nil)
			f.disk("sr0", 2048, true, true, nil)
			f.disk("zram0", 4096, false, false, nil)
			f.disk("ram0", 4096, false, false, nil)
			f.nic("eno1", "3C:EC:EF:00:00:01", "1", "10000", false)
			f.nic("eno2", "3c:ec:ef:00:00:02", "0", "-1", false)
			f.nic("br0", "3c:ec:ef:00:00:03", "1", "", true)
			f.dmi("Supermicro", "SYS-1029P", "S123", "4c4c4544-0031")
			f.file("sys/firmware/efi/fw_platform_size", "64")
		},
		want: agent.Inventory{
			Firmware:    "uefi",
			System:      agent.System{Vendor: "Supermicro", Product: "SYS-1029P", Serial: "S123", UUID: "4c4c4544-0031"},
			CPU:         agent.CPU{Model: "Intel(R) Xeon(R) Gold 6338", Sockets: 2, Cores: 8, Threads: 16},
			MemoryBytes: 8 << 27,
			Disks: []agent.Disk{
				{Name: "nvme0n1", Path: "/dev/nvme0n1", SizeBytes: 3750748848 * 512, Model: "INTEL SSDPE2KX040T8", Serial: "PHLJ1", Type: "nvme"},
				{Name: "sda", Path: "/dev/sda", SizeBytes: 1875385008 * 512, Model: "SAMSUNG MZ7L3960", Serial: "S5X1", Type: "ssd"},
				{Name: "sdb", Path: "/dev/sdb", SizeBytes: 7814037168 * 512, Model: "ST4000NM", Serial: "ZC1", Type: "hdd"},
				{Name: "sdc", Path: "/dev/sdc", SizeBytes: 30031872 * 512, Type: "ssd", Removable: true},
			},
			NICs: []agent.NIC{
				{Name: "eno1", MAC: "3c:ec:ef:00:00:01", Link: true, SpeedMbps: 10000},
				{Name: "eno2", MAC: "3c:ec:ef:00:00:02"},
			},
		},
	}, {
		name: "qemu vm",
		build: func(f *fakeRoot) {
			f.cpus("QEMU Virtual CPU version 2.5+", 1, 1, 1)
			f.memory(0) // no memory blocks: the usable total is reported
			f.disk("vda", 2097152, true, false, map[string]string{"serial": "slipway-disk0"})
			f.nic("ens3", "52:54:00:77:00:10", "1", "-1", false)
			f.dmi("QEMU", "Standard PC (Q35 + ICH9, 2009)", "", "7e1f3b9a")
		},
		want: agent.Inventory{
			Firmware:    "bios",
			System:      agent.System{Vendor: "QEMU", Product: "Standard PC (Q35 + ICH9, 2009)", UUID: "7e1f3b9a"},
			CPU:         agent.CPU{Model: "QEMU Virtual CPU version 2.5+", Sockets: 1, Cores: 1, Threads: 1},
			MemoryBytes: 16000000 * 1024,
			Disks:       []agent.Disk{{Name: "vda", Path: "/dev/vda", SizeBytes: 1 << 30, Serial: "slipway-disk0", Type: "hdd"}},
			NICs:        []agent.NIC{{Name: "ens3", MAC: "52:54:00:77:00:10", Link: true}},
		},
	}, {
		name:  "empty",
		build: func(f *fakeRoot) { f.memory(1) },
		want:  agent.Inventory{Firmware: "bios", MemoryBytes: 1 << 27, Disks: []agent.Disk{}, NICs: []agent.NIC{}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeRoot(t)
			tc.build(f)
			got, err := Inspect(context.Background(), f.root, nil)
			require.NoError(t, err)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("inventory (-want +got):\n%s", d)
			}
		})
	}
}
