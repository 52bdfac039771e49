package install

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/slipway-dev/slipway/internal/agent"
)

// SeedLabel is the filesystem label cloud-init's NoCloud datasource finds.
const SeedLabel = "CIDATA"

// mbrTypeFAT32LBA is the MBR partition type of the seed (0x0c: FAT, LBA).
const mbrTypeFAT32LBA = 0x0c

// SeedOffset is where the seed partition of an image of rawSize starts:
// the image's end rounded up to a MiB.
func SeedOffset(rawSize int64) int64 { return (rawSize + mib - 1) / mib * mib }

// WriteSeed writes the cloud-init NoCloud seed into a new FAT partition
// labelled CIDATA right after the image (at SeedOffset, SeedSizeBytes
// long) and records it in the first free primary slot of the image's MBR.
// The image must have an MBR partition table (GPT is refused) with a free
// slot, and no partition may overlap the seed.
func WriteSeed(f *os.File, rawSize int64, seed agent.Seed) error {
	start := SeedOffset(rawSize)
	size, err := f.Seek(0, 2)
	if err != nil {
		return fmt.Errorf("seed: disk size: %w", err)
	}
	if start+agent.SeedSizeBytes > size {
		return fmt.Errorf("seed: the partition needs %s at byte %d, the disk has %s", HumanBytes(agent.SeedSizeBytes), start, HumanBytes(size))
	}
	mbr := make([]byte, 512)
	if _, err := f.ReadAt(mbr, 0); err != nil {
		return fmt.Errorf("seed: read the MBR: %w", err)
	}
	lba, sectors := uint32(start/512), uint32(agent.SeedSizeBytes/512)
	slot, err := freeMBRSlot(mbr, lba, sectors)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	files := []fatFile{{"meta-data", []byte(seed.MetaData)}, {"user-data", []byte(seed.UserData)}}
	if seed.NetworkConfig != "" {
		files = append(files, fatFile{"network-config", []byte(seed.NetworkConfig)})
	}
	vol, err := buildFAT(agent.SeedSizeBytes, SeedLabel, lba, files)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(vol, start); err != nil {
		return fmt.Errorf("seed: write the CIDATA filesystem: %w", err)
	}
	e := mbr[446+16*slot : 446+16*slot+16]
	clear(e)
	copy(e[1:4], []byte{0xfe, 0xff, 0xff}) // CHS start/end: beyond CHS, use the LBA fields
	e[4] = mbrTypeFAT32LBA
	copy(e[5:8], []byte{0xfe, 0xff, 0xff})
	binary.LittleEndian.PutUint32(e[8:], lba)
	binary.LittleEndian.PutUint32(e[12:], sectors)
	if _, err := f.WriteAt(mbr, 0); err != nil {
		return fmt.Errorf("seed: write the MBR: %w", err)
	}
	return nil
}

// freeMBRSlot returns the first empty primary entry of mbr, after checking
// that no partition overlaps [lba, lba+sectors).
func freeMBRSlot(mbr []byte, lba, sectors uint32) (int, error) {
	if mbr[510] != 0x55 || mbr[511] != 0xaa {
		return 0, fmt.Errorf("the image has no MBR partition table")
	}
	free := -1
	for i := range 4 {
		e := mbr[446+16*i : 446+16*i+16]
		typ := e[4]
		if typ == 0xee {
			return 0, fmt.Errorf("the image has a GPT partition table: only MBR images get a seed partition")
		}
		if typ == 0 {
			if free < 0 {
				free = i
			}
			continue
		}
		s, n := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		if uint64(s) < uint64(lba)+uint64(sectors) && uint64(s)+uint64(n) > uint64(lba) {
			return 0, fmt.Errorf("partition %d (sectors %d-%d) overlaps the seed at sector %d", i+1, s, uint64(s)+uint64(n)-1, lba)
		}
	}
	if free < 0 {
		return 0, fmt.Errorf("the image's MBR has no free primary partition slot")
	}
	return free, nil
}
