package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipway-dev/slipway/images/internal/initramfs"
	"github.com/slipway-dev/slipway/internal/kmod"
)

// spec reads everything the options name into an initramfs.Spec, and
// copies the kernel when -kernel-out is set.
func (o options) spec(ctx context.Context) (initramfs.Spec, error) {
	var s initramfs.Spec
	var err error
	if s.Init, err = os.ReadFile(o.init); err != nil {
		return s, fmt.Errorf("init: %w", err)
	}
	if o.busybox != "" {
		if s.Busybox, err = os.ReadFile(o.busybox); err != nil {
			return s, fmt.Errorf("busybox (install busybox-static): %w", err)
		}
		if s.Applets, err = initramfs.Applets(ctx, o.busybox); err != nil {
			return s, err
		}
	}
	if err := o.kernel(&s); err != nil {
		return s, err
	}
	if o.version != "" {
		s.Files = append(s.Files, initramfs.File{Path: "/etc/slipway/agent.version", Data: []byte(o.version + "\n")})
	}
	for _, f := range o.files {
		dst, src, ok := strings.Cut(f, "=")
		if !ok || !strings.HasPrefix(dst, "/") {
			return s, fmt.Errorf("-file %q: want /path/inside=/path/on/host", f)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return s, fmt.Errorf("-file %s: %w", dst, err)
		}
		mode := uint32(0o644)
		if st, err := os.Stat(src); err == nil && st.Mode()&0o111 != 0 {
			mode = 0o755
		}
		s.Files = append(s.Files, initramfs.File{Path: dst, Data: data, Mode: mode})
	}
	return s, nil
}

// kernel opens the kernel's modules (when any are wanted or the kernel is
// copied) and copies boot/vmlinuz-<release> to -kernel-out.
func (o options) kernel(s *initramfs.Spec) error {
	if o.modules == "" && o.kernelOut == "" {
		return nil
	}
	rel := o.release
	if rel == "" {
		var err error
		if rel, err = initramfs.KernelRelease(o.root); err != nil {
			return err
		}
	}
	if o.modules != "" {
		ix, err := kmod.Open(filepath.Join(o.root, "lib", "modules", rel))
		if err != nil {
			return err
		}
		s.Kernel, s.Modules = ix, strings.Split(o.modules, ",")
	}
	if o.kernelOut == "" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(o.root, "boot", "vmlinuz-"+rel))
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	if err := os.WriteFile(o.kernelOut, data, 0o644); err != nil {
		return fmt.Errorf("kernel-out: %w", err)
	}
	return nil
}
