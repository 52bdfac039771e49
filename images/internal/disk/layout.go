// Package disk assembles bootable raw disk images without loop mounts:
// an MBR partition table (sfdisk) whose first partition is a FAT EFI
// system partition (mkfs.vfat --offset, mtools) booting under BIOS
// (syslinux's mbr.bin and syslinux --offset --install) and UEFI
// (systemd-boot as the removable-media loader EFI/BOOT/BOOTX64.EFI),
// both starting the same kernel and initrd; an optional second partition
// holds a root filesystem image. Slots 3 and 4 stay free: the installer
// appends the cloud-init seed (CIDATA) partition after the image's end.
package disk

import (
	"fmt"
	"strings"
)

// Sector is the partition table's unit.
const (
	Sector = 512
	MiB    = 1 << 20
)

// Layout is the partition layout of an image.
type Layout struct {
	// LabelID is the MBR disk signature; partition N's PARTUUID is
	// "<LabelID as %08x>-0N".
	LabelID uint32
	ESPSize int64 // bytes of partition 1, which starts at 1 MiB
	// RootSize is the bytes of partition 2 (type 0x83) right after the
	// ESP; 0 for no root partition.
	RootSize int64
}

// Size is the raw image size: 1 MiB of MBR and alignment gap, then the
// partitions.
func (l Layout) Size() int64 { return MiB + l.ESPSize + l.RootSize }

// ESPOffset and RootOffset are the partitions' byte offsets.
func (l Layout) ESPOffset() int64  { return MiB }
func (l Layout) RootOffset() int64 { return MiB + l.ESPSize }

// RootPARTUUID names partition 2 for the kernel's root= (root=PARTUUID=…).
func (l Layout) RootPARTUUID() string { return fmt.Sprintf("%08x-02", l.LabelID) }

// MinESPSize is the smallest ESP: FAT32 needs 65525 clusters.
const MinESPSize = 40 * MiB

// Validate checks that every size is a whole number of MiB and that the
// ESP can be FAT32.
func (l Layout) Validate() error {
	if l.ESPSize < MinESPSize || l.ESPSize%MiB != 0 {
		return fmt.Errorf("disk: esp size %d: want a multiple of 1 MiB, at least %d", l.ESPSize, MinESPSize)
	}
	if l.RootSize < 0 || l.RootSize%MiB != 0 {
		return fmt.Errorf("disk: root size %d: want a multiple of 1 MiB", l.RootSize)
	}
	return nil
}

// SfdiskScript is the sfdisk input for the layout.
func (l Layout) SfdiskScript() string {
	var b strings.Builder
	fmt.Fprintf(&b, "label: dos\nlabel-id: 0x%08x\nunit: sectors\n\n", l.LabelID)
	fmt.Fprintf(&b, "start=%d, size=%d, type=ef, bootable\n", l.ESPOffset()/Sector, l.ESPSize/Sector)
	if l.RootSize > 0 {
		fmt.Fprintf(&b, "start=%d, size=%d, type=83\n", l.RootOffset()/Sector, l.RootSize/Sector)
	}
	return b.String()
}
