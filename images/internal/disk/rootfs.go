package disk

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
)

// RootLabel is the root filesystem's label.
const RootLabel = "slipway-root"

// Usage sums what a directory tree needs on ext4: each file's size rounded
// up to 4 KiB blocks, and the number of inodes.
func Usage(dir string) (bytes int64, inodes int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		inodes++
		if d.Type().IsRegular() || d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			bytes += (info.Size() + 4095) &^ 4095
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("disk: %s: %w", dir, err)
	}
	return bytes, inodes, nil
}

// RootSizeFor is a partition size (whole MiB) that holds a tree of the
// given usage with a fifth spare and room for ext4's own metadata.
func RootSizeFor(bytes int64) int64 {
	size := bytes + bytes/5 + 64*MiB
	return (size + MiB - 1) / MiB * MiB
}

// MakeExt4 writes an ext4 filesystem image of size bytes at out holding
// dir's tree (mkfs.ext4 -d: no mount, ownership and modes kept). There is
// no journal: the root is mounted read-only.
func MakeExt4(ctx context.Context, dir, out string, size, inodes int64) error {
	if err := create(out, size); err != nil {
		return err
	}
	return run(ctx, "mkfs.ext4", "-q", "-F", "-L", RootLabel, "-O", "^has_journal", "-m", "0",
		"-N", strconv.FormatInt(inodes+inodes/5+1024, 10), "-d", dir, out)
}
