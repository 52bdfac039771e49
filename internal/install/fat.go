package install

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// The seed's FAT16 layout: 512-byte sectors, one sector per cluster, one
// reserved sector, two FATs of 32 sectors and a 512-entry root directory.
// A 4 MiB volume then has 8095 clusters: FAT16 by cluster count (FAT12
// ends at 4084), which is what Linux, blkid and fsck.vfat go by.
const (
	fatSector      = 512
	fatReserved    = 1
	fatCopies      = 2
	fatSectors     = 32
	fatRootEntries = 512
	fatRootSectors = fatRootEntries * 32 / fatSector
	fatDataStart   = fatReserved + fatCopies*fatSectors + fatRootSectors
	fatDate        = (2024-1980)<<9 | 1<<5 | 1 // 2024-01-01: a fixed date keeps seeds reproducible
)

// fatFile is one file of the volume's root directory.
type fatFile struct {
	name string // long name, e.g. "meta-data"
	data []byte
}

// buildFAT returns a FAT16 volume of size bytes labelled label holding
// files in its root directory (with VFAT long names). hidden is the
// volume's first sector on the disk (recorded in the boot sector).
func buildFAT(size int64, label string, hidden uint32, files []fatFile) ([]byte, error) {
	total := size / fatSector
	clusters := total - fatDataStart
	if total > 0xffff || clusters < 4085 || (clusters+2)*2 > fatSectors*fatSector {
		return nil, fmt.Errorf("seed: a FAT16 volume of %d bytes does not fit this layout", size)
	}
	vol := make([]byte, size)
	volID := sha256.Sum256(fmt.Appendf(nil, "%v", files))
	writeBootSector(vol[:fatSector], uint16(total), hidden, binary.LittleEndian.Uint32(volID[:]), label)
	fat := make([]uint16, clusters+2)
	fat[0], fat[1] = 0xfff8, 0xffff
	root := vol[(fatReserved+fatCopies*fatSectors)*fatSector : fatDataStart*fatSector]
	copy(root[0:11], fatPad(label, 11))
	root[11] = 0x08 // volume label
	putDate(root[0:32])
	slot, next := 1, uint16(2)
	for i, f := range files {
		first := uint16(0)
		if len(f.data) > 0 {
			n := (len(f.data) + fatSector - 1) / fatSector
			if int(next)+n > len(fat) {
				return nil, fmt.Errorf("seed: %s: the files do not fit in %d bytes", f.name, size)
			}
			first = next
			for c := range n {
				fat[int(next)+c] = next + uint16(c) + 1
			}
			fat[int(next)+n-1] = 0xffff
			copy(vol[(fatDataStart+int(next)-2)*fatSector:], f.data)
			next += uint16(n)
		}
		short := fatShortName(f.name, i+1)
		for _, e := range lfnEntries(f.name, short) {
			copy(root[slot*32:], e)
			slot++
		}
		writeDirEntry(root[slot*32:slot*32+32], short, first, uint32(len(f.data)))
		slot++
	}
	for c := range fatCopies {
		t := vol[(fatReserved+c*fatSectors)*fatSector:]
		for i, v := range fat {
			binary.LittleEndian.PutUint16(t[2*i:], v)
		}
	}
	return vol, nil
}

func writeBootSector(b []byte, total uint16, hidden, volID uint32, label string) {
	le := binary.LittleEndian
	copy(b, []byte{0xeb, 0x3c, 0x90})
	copy(b[3:11], "SLIPWAY ")
	le.PutUint16(b[11:], fatSector)
	b[13] = 1 // sectors per cluster
	le.PutUint16(b[14:], fatReserved)
	b[16] = fatCopies
	le.PutUint16(b[17:], fatRootEntries)
	le.PutUint16(b[19:], total)
	b[21] = 0xf8 // fixed disk
	le.PutUint16(b[22:], fatSectors)
	le.PutUint16(b[24:], 32) // sectors per track (CHS geometry, unused)
	le.PutUint16(b[26:], 64) // heads
	le.PutUint32(b[28:], hidden)
	b[36] = 0x80 // drive number
	b[38] = 0x29 // extended boot signature: the next three fields are valid
	le.PutUint32(b[39:], volID)
	copy(b[43:54], fatPad(label, 11))
	copy(b[54:62], "FAT16   ")
	b[510], b[511] = 0x55, 0xaa
}

// fatShortName is the 8.3 alias of a long name: its first six letters,
// upper-cased, then ~n.
func fatShortName(name string, n int) []byte {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	base := b.String()
	if len(base) > 6 {
		base = base[:6]
	}
	return fatPad(fmt.Sprintf("%s~%d", base, n), 11)
}

func fatPad(s string, n int) []byte {
	b := []byte(strings.Repeat(" ", n))
	copy(b, strings.ToUpper(s))
	return b
}

// lfnEntries are the long-name entries of name, in on-disk order (the
// last part first), each bound to the short name by its checksum.
func lfnEntries(name string, short []byte) [][]byte {
	var sum byte
	for _, c := range short {
		sum = (sum&1)<<7 + sum>>1 + c
	}
	units := utf16.Encode([]rune(name))
	count := (len(units) + 12) / 13
	if len(units)%13 != 0 {
		units = append(units, 0)
	}
	for len(units) < count*13 {
		units = append(units, 0xffff)
	}
	out := make([][]byte, 0, count)
	for k := count; k >= 1; k-- {
		e := make([]byte, 32)
		e[0] = byte(k)
		if k == count {
			e[0] |= 0x40
		}
		e[11], e[13] = 0x0f, sum
		part := units[(k-1)*13 : k*13]
		for j, u := range part {
			off := []int{1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30}[j]
			binary.LittleEndian.PutUint16(e[off:], u)
		}
		out = append(out, e)
	}
	return out
}

func writeDirEntry(e, short []byte, first uint16, size uint32) {
	copy(e[0:11], short)
	e[11] = 0x20 // archive
	putDate(e)
	binary.LittleEndian.PutUint16(e[26:], first)
	binary.LittleEndian.PutUint32(e[28:], size)
}

func putDate(e []byte) {
	for _, off := range []int{16, 18, 24} { // created, accessed, written
		binary.LittleEndian.PutUint16(e[off:], fatDate)
	}
}
