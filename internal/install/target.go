package install

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/slipway-dev/slipway/internal/agent"
)

const mib = 1 << 20

// ErrNoDisk means the machine has no disk to install to.
var ErrNoDisk = errors.New("no disk to install to")

// Target is the disk chosen for an install.
type Target struct {
	Path string
	Size int64
}

// Needed is the smallest disk an image of rawSize bytes fits on, with its
// CIDATA seed partition.
func Needed(rawSize int64) int64 { return rawSize + agent.SeedSizeBytes + mib }

// ChooseTarget picks the disk for in among disks: the one whose path or
// serial is in.Disk, else the smallest non-removable disk that is large
// enough. Sizes are measured on the devices themselves (a file works as a
// disk). The error names the disk and both sizes when none fits.
func ChooseTarget(in agent.Install, disks []agent.Disk) (Target, error) {
	need := Needed(in.RawSize)
	if in.Disk != "" {
		path := in.Disk
		for _, d := range disks {
			if d.Serial == in.Disk && d.Serial != "" {
				path = d.Path
			}
		}
		size, err := deviceSize(path)
		if err != nil {
			return Target{}, fmt.Errorf("disk %s: %w", in.Disk, err)
		}
		if size < need {
			return Target{}, fmt.Errorf("disk %s: %s, image needs %s", path, HumanBytes(size), HumanBytes(need))
		}
		return Target{Path: path, Size: size}, nil
	}
	var fits, small []Target
	for _, d := range disks {
		if d.Removable {
			continue
		}
		size, err := deviceSize(d.Path)
		if err != nil {
			return Target{}, fmt.Errorf("disk %s: %w", d.Path, err)
		}
		if size >= need {
			fits = append(fits, Target{Path: d.Path, Size: size})
		} else {
			small = append(small, Target{Path: d.Path, Size: size})
		}
	}
	if len(fits) > 0 {
		sort.SliceStable(fits, func(i, j int) bool { return fits[i].Size < fits[j].Size })
		return fits[0], nil
	}
	if len(small) == 0 {
		return Target{}, fmt.Errorf("%w (no non-removable disk found)", ErrNoDisk)
	}
	sort.SliceStable(small, func(i, j int) bool { return small[i].Size > small[j].Size })
	return Target{}, fmt.Errorf("no disk is large enough: the largest, disk %s: %s, image needs %s",
		small[0].Path, HumanBytes(small[0].Size), HumanBytes(need))
}

// deviceSize is the size of a block device or file, by seeking to its end.
func deviceSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("size: %w", err)
	}
	return size, nil
}

// HumanBytes formats a size as "512 MiB" or "1.0 GiB".
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= mib:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
