// Package node is one machine of the virtual rack as its BMC sees it: the
// hardware (Spec, written by the harness as DIR/machine.json), the QEMU
// command line for a boot device, and the supervisor process the BMC's
// chassis_control starts at power on and kills at power off.
//
// The boot device is the one the BMC last received (ipmi_sim passes only the
// device to chassis_control, not the once/persistent flag, so an override
// holds until the BMC changes it). "pxe" puts the NIC first; anything else
// ("default", what `ipmitool chassis bootdev disk` sends) the disk first.
// The supervisor runs QEMU with -no-reboot and watches its QMP events: a
// guest reboot starts a fresh QEMU (fresh UEFI variables, boot order read
// again), a guest power-off ends the supervisor (the BMC then reads power
// off).
package node

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Firmware kinds.
const (
	BIOS = "bios"
	UEFI = "uefi"
)

// Firmware files (Debian's ovmf package).
const (
	OVMFCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"
	OVMFVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"
)

// SpecFile is the spec's file name in a machine's directory.
const SpecFile = "machine.json"

// Spec is one virtual machine.
type Spec struct {
	Name      string `json:"name"`
	MAC       string `json:"mac"`
	Tap       string `json:"tap"`  // tap device on the rack's bridge
	Disk      string `json:"disk"` // raw disk file
	Serial    string `json:"serial"`
	Firmware  string `json:"firmware"` // bios | uefi
	MemoryMiB int    `json:"memoryMiB"`
	CPUs      int    `json:"cpus"`
	QEMU      string `json:"qemu,omitempty"` // default qemu-system-x86_64
}

// Write stores s as dir/machine.json.
func (s Spec) Write(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("machine %s: %w", s.Name, err)
	}
	return os.WriteFile(filepath.Join(dir, SpecFile), b, 0o600)
}

// ReadSpec reads dir/machine.json.
func ReadSpec(dir string) (Spec, error) {
	var s Spec
	b, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return s, fmt.Errorf("machine spec: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("machine spec %s: %w", filepath.Join(dir, SpecFile), err)
	}
	return s, nil
}

// NetFirst reports whether boot device dev (as ipmi_sim passes it) puts
// the NIC before the disk.
func NetFirst(dev string) bool { return dev == "pxe" }

// Args is QEMU's command line for s booting with device dev; dir holds the
// machine's files (the QMP socket; for UEFI the copy of the variables,
// which the caller refreshes before each start). See lab.md: graphics=off
// and -vga none send firmware output to the serial console; UEFI boots
// OVMF's own PXE (romfile= on the NIC, no iPXE ROM), which fetches
// snponly.efi over TFTP; BIOS boots QEMU's iPXE option ROM.
func Args(s Spec, dir, dev string) []string {
	nic, disk := 1, 2
	if !NetFirst(dev) {
		nic, disk = 2, 1
	}
	args := []string{
		"-name", s.Name, "-machine", "q35,graphics=off", "-accel", "tcg",
		"-smp", strconv.Itoa(max(s.CPUs, 1)), "-m", strconv.Itoa(max(s.MemoryMiB, 256)),
		"-display", "none", "-vga", "none", "-monitor", "none", "-no-reboot",
		"-serial", "file:" + s.Serial,
		"-qmp", "unix:" + filepath.Join(dir, "qmp.sock") + ",server=on,wait=off",
		"-netdev", "tap,id=n0,ifname=" + s.Tap + ",script=no,downscript=no",
		"-drive", "if=none,id=d0,format=raw,cache=unsafe,file=" + s.Disk,
		"-device", "virtio-blk-pci,drive=d0,bootindex=" + strconv.Itoa(disk),
		// an entropy source, as a server's RDRAND: without one the kernel's
		// CRNG takes minutes to start under TCG and getrandom blocks the agent
		"-device", "virtio-rng-pci",
	}
	dev0 := "virtio-net-pci,netdev=n0,mac=" + s.MAC + ",bootindex=" + strconv.Itoa(nic)
	if s.Firmware == UEFI {
		args = append(args,
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+OVMFCode,
			"-drive", "if=pflash,format=raw,unit=1,file="+VarsFile(dir))
		dev0 += ",romfile="
	}
	return append(args, "-device", dev0)
}

// VarsFile is the machine's copy of the UEFI variables.
func VarsFile(dir string) string { return filepath.Join(dir, "OVMF_VARS.fd") }

// FreshVars copies the pristine UEFI variables over the machine's copy
// (stale NVRAM boot entries cost over a minute of retries).
func FreshVars(dir string) error {
	b, err := os.ReadFile(OVMFVars)
	if err != nil {
		return fmt.Errorf("uefi variables (install ovmf): %w", err)
	}
	return os.WriteFile(VarsFile(dir), b, 0o600)
}
