// Command mkinitramfs writes a gzip'd newc initramfs: a given /init,
// busybox-static with its applet links, kernel modules with their
// dependency closure (decompressed) listed in /etc/slipway/modules.order,
// and extra files. With -kernel-out it also copies the matching kernel.
//
//	mkinitramfs -init slipway-agent -modules virtio_net,ahci -version v1 \
//	    -out .cache/images/agent/initrd -kernel-out .cache/images/agent/vmlinuz
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/slipway-dev/slipway/images/internal/initramfs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkinitramfs:", err)
		os.Exit(1)
	}
}

type options struct {
	out, kernelOut, init, busybox, root, release, modules, version string
	files                                                          fileFlags
}

// fileFlags collects repeated -file /path/inside=/path/on/host.
type fileFlags []string

func (f *fileFlags) String() string     { return strings.Join(*f, ",") }
func (f *fileFlags) Set(s string) error { *f = append(*f, s); return nil }

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mkinitramfs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "", "the initramfs to write (required)")
	fs.StringVar(&o.kernelOut, "kernel-out", "", "also copy the kernel (boot/vmlinuz-<release>) here")
	fs.StringVar(&o.init, "init", "", "the program or script to put at /init (required)")
	fs.StringVar(&o.busybox, "busybox", "/bin/busybox", "busybox-static to put at /bin/busybox (\"\" for none)")
	fs.StringVar(&o.root, "root", "/", "the tree holding boot/vmlinuz-* and lib/modules")
	fs.StringVar(&o.release, "release", "", "the kernel release (default: the newest under -root)")
	fs.StringVar(&o.modules, "modules", "", "comma-separated modules to include with their dependencies")
	fs.StringVar(&o.version, "version", "", "written to /etc/slipway/agent.version when set")
	fs.Var(&o.files, "file", "extra file as /path/inside=/path/on/host (repeatable)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.out == "" || o.init == "" {
		return o, fmt.Errorf("-out and -init are required")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	for _, p := range []string{o.out, o.kernelOut} {
		if p == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("out: %w", err)
		}
	}
	spec, err := o.spec(ctx)
	if err != nil {
		return err
	}
	tmp := o.out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("out: %w", err)
	}
	defer os.Remove(tmp)
	m, err := initramfs.Write(ctx, f, spec)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, o.out); err != nil {
		return fmt.Errorf("out: %w", err)
	}
	st, err := os.Stat(o.out)
	if err != nil {
		return fmt.Errorf("out: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d entries, %d modules, cpio %.1f MiB, gzip %.1f MiB\n",
		o.out, m.Files, len(m.Modules), float64(m.Raw)/(1<<20), float64(st.Size())/(1<<20))
	return nil
}
