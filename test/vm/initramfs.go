// Package vm runs real virtual machines for the netboot tests: it builds a
// tiny test initramfs (busybox and a few virtio modules under Debian's
// kernel) that prints a marker line on the serial console and powers off,
// and runs QEMU (TCG) nodes whose NIC is a tap on a namespace's bridge,
// booting BIOS (QEMU's iPXE option ROM) or UEFI (OVMF's native PXE).
package vm

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/kmod"
)

// Marker starts the line the test initramfs prints on the serial console
// once the kernel has started it: "SLIPWAY-TEST-INITRAMFS-OK mac=<MAC>".
const Marker = "SLIPWAY-TEST-INITRAMFS-OK"

// BusyboxPath is busybox-static's binary.
const BusyboxPath = "/bin/busybox"

// modulesWanted are loaded (with their dependencies) so /sys/class/net
// shows the virtio NIC and the marker can name its MAC.
var modulesWanted = []string{"virtio_pci", "virtio_net"}

// initScript is the initramfs's /init.
const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/modules/$m"; done
mac=none
for i in 1 2 3 4 5 6 7 8 9 10; do
  for n in /sys/class/net/*; do
    [ "${n##*/}" = lo ] || [ ! -e "$n/address" ] || mac=$(cat "$n/address")
  done
  [ "$mac" != none ] && break
  sleep 0.2
done
echo "` + Marker + ` mac=$mac" > /dev/ttyS0
poweroff -f
`

// Boot is a kernel and initramfs pair in one directory, named as the boot
// server's agent directory serves them (vmlinuz, initrd).
type Boot struct {
	Dir, Kernel, Initrd string
	Release             string // the kernel release (uname -r)
}

// BuildBoot copies Debian's newest installed kernel into dir as vmlinuz and
// writes the test initramfs beside it as initrd (gzip'd newc cpio, written
// here, so no host cpio is needed).
func BuildBoot(dir string) (Boot, error) {
	rel, err := kernelRelease()
	if err != nil {
		return Boot{}, err
	}
	b := Boot{Dir: dir, Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd"), Release: rel}
	kernel, err := os.ReadFile("/boot/vmlinuz-" + rel)
	if err != nil {
		return Boot{}, fmt.Errorf("vm: kernel (install linux-image-amd64): %w", err)
	}
	if err := os.WriteFile(b.Kernel, kernel, 0o644); err != nil {
		return Boot{}, fmt.Errorf("vm: %w", err)
	}
	img, err := initramfs(rel)
	if err != nil {
		return Boot{}, err
	}
	if err := os.WriteFile(b.Initrd, img, 0o644); err != nil {
		return Boot{}, fmt.Errorf("vm: %w", err)
	}
	return b, nil
}

// kernelRelease is the newest /boot/vmlinuz-<release> whose modules are
// installed.
func kernelRelease() (string, error) {
	paths, _ := filepath.Glob("/boot/vmlinuz-*")
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	for _, p := range paths {
		rel := strings.TrimPrefix(filepath.Base(p), "vmlinuz-")
		if _, err := os.Stat(filepath.Join("/lib/modules", rel, "modules.dep")); err == nil {
			return rel, nil
		}
	}
	return "", fmt.Errorf("vm: no /boot/vmlinuz-* with modules in /lib/modules (install linux-image-amd64)")
}

// initramfs returns the gzip'd cpio archive.
func initramfs(rel string) ([]byte, error) {
	bb, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return nil, fmt.Errorf("vm: busybox (install busybox-static): %w", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	c := cpio.NewWriter(zw)
	for _, d := range []string{"bin", "dev", "proc", "sys", "modules"} {
		c.Dir(d)
	}
	c.CharDev("dev/console", 5, 1)
	c.CharDev("dev/ttyS0", 4, 64)
	c.File("bin/busybox", bb, 0o755)
	c.Symlink("bin/sh", "busybox")
	c.File("init", []byte(initScript), 0o755)
	if err := addModules(c, filepath.Join("/lib/modules", rel)); err != nil {
		return nil, err
	}
	if err := c.Close(); err != nil {
		return nil, fmt.Errorf("vm: initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("vm: initramfs: %w", err)
	}
	return buf.Bytes(), nil
}

// addModules adds modulesWanted and their dependencies (from modules.dep,
// decompressed) under modules/ and their load order, dependencies first,
// as modules.order. Modules built into the kernel need nothing.
func addModules(c *cpio.Writer, moddir string) error {
	ix, err := kmod.Open(moddir)
	if err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	files, err := ix.Order(modulesWanted)
	if err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	var order []string
	for _, f := range files {
		// BuildBoot has no context: reading a module is short.
		data, err := ix.Read(context.Background(), f)
		if err != nil {
			return fmt.Errorf("vm: module: %w", err)
		}
		name := kmod.Uncompressed(filepath.Base(f))
		c.File("modules/"+name, data, 0o644)
		order = append(order, name)
	}
	c.File("modules.order", []byte(strings.Join(order, "\n")+"\n"), 0o644)
	return nil
}
