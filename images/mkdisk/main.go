// Command mkdisk assembles a raw disk image that boots under BIOS and UEFI
// without loop mounts (see package images/internal/disk): partition 1 is a
// FAT EFI system partition with syslinux and systemd-boot starting -kernel
// and -initrd with -cmdline; with -root-dir, partition 2 is an ext4 root
// built from that tree (mkfs.ext4 -d) and the command line gains
// root=PARTUUID=<disk id>-02 ro.
//
//	mkdisk -out tiny.raw -size-mib 64 -kernel vmlinuz -initrd initrd -cmdline console=ttyS0,115200
//	mkdisk -out debian.raw -esp-mib 128 -root-dir rootfs -kernel … -initrd … -cmdline …
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/slipway-dev/slipway/images/internal/disk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkdisk:", err)
		os.Exit(1)
	}
}

type options struct {
	out, kernel, initrd, cmdline, title, rootDir, labelID string
	sizeMiB, espMiB                                       int64
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mkdisk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "", "the raw image to write (required)")
	fs.StringVar(&o.kernel, "kernel", "", "the kernel (required)")
	fs.StringVar(&o.initrd, "initrd", "", "the initrd (required)")
	fs.StringVar(&o.cmdline, "cmdline", "console=ttyS0,115200", "the kernel command line")
	fs.StringVar(&o.title, "title", "Slipway OS", "the boot entry's title")
	fs.StringVar(&o.rootDir, "root-dir", "", "a tree to put in an ext4 partition 2 (optional)")
	fs.StringVar(&o.labelID, "label-id", "5119a700", "the MBR disk signature (hex)")
	fs.Int64Var(&o.sizeMiB, "size-mib", 64, "without -root-dir: the whole image's size in MiB")
	fs.Int64Var(&o.espMiB, "esp-mib", 128, "with -root-dir: the ESP's size in MiB")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.out == "" || o.kernel == "" || o.initrd == "" {
		return o, fmt.Errorf("-out, -kernel and -initrd are required")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	img, cleanup, err := o.image(ctx, log)
	defer cleanup()
	if err != nil {
		return err
	}
	if err := disk.Build(ctx, log, img); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: raw %d MiB (ESP %d MiB, root %d MiB)\n", img.Path,
		img.Layout.Size()/disk.MiB, img.Layout.ESPSize/disk.MiB, img.Layout.RootSize/disk.MiB)
	return nil
}

// image turns the options into a disk.Image, building the root
// filesystem image first when -root-dir is set; cleanup removes it.
func (o options) image(ctx context.Context, log *slog.Logger) (disk.Image, func(), error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(o.labelID, "0x"), 16, 32)
	if err != nil {
		return disk.Image{}, func() {}, fmt.Errorf("-label-id %q: %w", o.labelID, err)
	}
	img := disk.Image{
		Path: o.out, Kernel: o.kernel, Initrd: o.initrd,
		Layout: disk.Layout{LabelID: uint32(id), ESPSize: (o.sizeMiB - 1) * disk.MiB},
		Boot:   disk.Boot{Title: o.title, Cmdline: o.cmdline},
	}
	if o.rootDir == "" {
		return img, func() {}, nil
	}
	img.Layout.ESPSize = o.espMiB * disk.MiB
	used, inodes, err := disk.Usage(o.rootDir)
	if err != nil {
		return img, func() {}, err
	}
	img.Layout.RootSize = disk.RootSizeFor(used)
	img.RootFS = o.out + ".root.ext4"
	cleanup := func() { os.Remove(img.RootFS) }
	log.InfoContext(ctx, "building root filesystem", "dir", o.rootDir, "used", used, "size", img.Layout.RootSize)
	if err := disk.MakeExt4(ctx, o.rootDir, img.RootFS, img.Layout.RootSize, inodes); err != nil {
		return img, cleanup, err
	}
	img.Boot.Cmdline = "root=PARTUUID=" + img.Layout.RootPARTUUID() + " ro " + o.cmdline
	return img, cleanup, nil
}
