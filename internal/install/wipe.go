package install

import (
	"context"
	"fmt"
	"os"

	"github.com/slipway-dev/slipway/internal/agent"
)

// wipeBytes is how much Wipe clears at each end of a disk: the MBR, the
// primary GPT and boot code at the start, the backup GPT at the end, and
// the signatures of most filesystems and RAID/LVM headers.
const wipeBytes = mib

// Wipe clears the first and last MiB of the disk at path and syncs it, so
// neither firmware nor blkid finds a partition table or a filesystem there.
func Wipe(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("wipe %s: %w", path, err)
	}
	defer f.Close()
	if err := wipeFile(f); err != nil {
		return fmt.Errorf("wipe %s: %w", path, err)
	}
	return nil
}

func wipeFile(f *os.File) error {
	size, err := f.Seek(0, 2)
	if err != nil {
		return fmt.Errorf("size: %w", err)
	}
	zero := make([]byte, min(wipeBytes, size))
	if _, err := f.WriteAt(zero, 0); err != nil {
		return fmt.Errorf("first MiB: %w", err)
	}
	if size > wipeBytes {
		tail := min(wipeBytes, size-wipeBytes)
		if _, err := f.WriteAt(zero[:tail], size-tail); err != nil {
			return fmt.Errorf("last MiB: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// WipeAll wipes every non-removable disk (deprovision) and says how many.
func WipeAll(ctx context.Context, disks []agent.Disk) (int, error) {
	n := 0
	for _, d := range disks {
		if d.Removable {
			continue
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := Wipe(d.Path); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
