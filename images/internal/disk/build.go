package disk

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Debian's files for the two boot loaders (packages syslinux-common and
// systemd-boot-efi).
const (
	SyslinuxMBR  = "/usr/lib/syslinux/mbr/mbr.bin"
	SystemdBoot  = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
	ESPLabel     = "SLIPWAYBOOT"
	mbrBootCode  = 440 // bytes of boot code before the disk signature
	espVolumeID  = "5119a7e5"
	toolsPackage = "syslinux, syslinux-common, mtools, dosfstools, fdisk, systemd-boot-efi"
)

// Image is one raw disk image to assemble.
type Image struct {
	Path   string // the raw image written
	Layout Layout
	Boot   Boot
	Kernel string // host path of the kernel put at KernelPath
	Initrd string // host path of the initrd put at InitrdPath
	// RootFS is the host path of a filesystem image copied into
	// partition 2 (Layout.RootSize must hold it); "" for none.
	RootFS string
}

// Build writes the image: partition table, ESP with both boot loaders, the
// kernel and initrd, syslinux's MBR code, and the root filesystem.
func Build(ctx context.Context, log *slog.Logger, img Image) error {
	if err := img.Layout.Validate(); err != nil {
		return err
	}
	if err := create(img.Path, img.Layout.Size()); err != nil {
		return err
	}
	if err := runIn(ctx, img.Layout.SfdiskScript(), "sfdisk", "--quiet", img.Path); err != nil {
		return err
	}
	log.InfoContext(ctx, "partitioned", "image", img.Path, "size", img.Layout.Size())
	if err := img.esp(ctx); err != nil {
		return err
	}
	if err := writeMBR(img.Path); err != nil {
		return err
	}
	if img.RootFS != "" {
		n, err := CopyAt(img.Path, img.Layout.RootOffset(), img.Layout.RootSize, img.RootFS)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "root filesystem copied", "bytes", n)
	}
	return nil
}

func create(p string, size int64) error {
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("disk: %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("disk: %s: %w", p, err)
	}
	return nil
}

// esp formats partition 1 as FAT, copies the files and installs syslinux.
func (img Image) esp(ctx context.Context) error {
	l := img.Layout
	off := strconv.FormatInt(l.ESPOffset(), 10)
	blocks := strconv.FormatInt(l.ESPSize/1024, 10)
	// FAT32 as the UEFI specification asks for an ESP, with one sector
	// per cluster so that even a 40 MiB partition has enough clusters.
	if err := run(ctx, "mkfs.vfat", "--offset", strconv.FormatInt(l.ESPOffset()/Sector, 10),
		"-F", "32", "-s", "1", "-n", ESPLabel, "-i", espVolumeID, img.Path, blocks); err != nil {
		return err
	}
	files, err := img.Boot.Configs()
	if err != nil {
		return err
	}
	for dst, src := range map[string]string{KernelPath: img.Kernel, InitrdPath: img.Initrd, EFILoader: SystemdBoot} {
		b, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("disk: %s: %w", dst, err)
		}
		files[dst] = b
	}
	if err := mcopy(ctx, img.Path+"@@"+off, files); err != nil {
		return err
	}
	return run(ctx, "syslinux", "--offset", off, "--install", img.Path)
}

// mcopy makes the directories and copies files (keyed by their path on
// the FAT filesystem at target, mtools' "image@@offset").
func mcopy(ctx context.Context, target string, files map[string][]byte) error {
	tmp, err := os.MkdirTemp("", "slipway-mkdisk-")
	if err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	defer os.RemoveAll(tmp)
	dirs := map[string]bool{}
	var paths []string
	for p := range files {
		paths = append(paths, p)
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	sort.Strings(paths)
	if len(dirs) > 0 {
		var ds []string
		for d := range dirs {
			ds = append(ds, "::"+d)
		}
		sort.Strings(ds) // parents sort before their children
		if err := run(ctx, "mmd", append([]string{"-i", target}, ds...)...); err != nil {
			return err
		}
	}
	for i, p := range paths {
		src := fmt.Sprintf("%s/%d", tmp, i)
		if err := os.WriteFile(src, files[p], 0o644); err != nil {
			return fmt.Errorf("disk: %s: %w", p, err)
		}
		if err := run(ctx, "mcopy", "-i", target, src, "::"+p); err != nil {
			return err
		}
	}
	return nil
}

// writeMBR puts syslinux's boot code in the first 440 bytes, leaving the
// disk signature and partition table sfdisk wrote.
func writeMBR(p string) error {
	code, err := os.ReadFile(SyslinuxMBR)
	if err != nil {
		return fmt.Errorf("disk: mbr (install syslinux-common): %w", err)
	}
	if len(code) > mbrBootCode {
		return fmt.Errorf("disk: %s: %d bytes, want at most %d", SyslinuxMBR, len(code), mbrBootCode)
	}
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	if _, err := f.WriteAt(code, 0); err != nil {
		f.Close()
		return fmt.Errorf("disk: mbr: %w", err)
	}
	return f.Close()
}

func run(ctx context.Context, name string, args ...string) error {
	return runIn(ctx, "", name, args...)
}

// runIn runs a tool with stdin, naming it and its output in the error.
func runIn(ctx context.Context, stdin, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		if _, lerr := exec.LookPath(name); lerr != nil {
			return fmt.Errorf("disk: %s is not installed (apt-get install %s): %w", name, toolsPackage, lerr)
		}
		return fmt.Errorf("disk: %s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
