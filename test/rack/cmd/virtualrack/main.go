// Command virtualrack is `make run`: a virtual rack of QEMU machines
// (r1-u05 BIOS, r1-u06 UEFI by default) behind ipmi_sim BMCs, with the real
// appliance serving DHCP, TFTP, boot HTTP and its API on the rack's boot
// network, inside a network namespace (test/rack). It prints how to reach
// the UI and the CLI, then waits for Ctrl-C and stops everything.
//
//	virtualrack -slipway .cache/bin/slipway -dir .cache/rack [-listen 127.0.0.1:8443]
//	            [-machines r1-u05=bios,r1-u06=uefi] [-image tiny] [-disk-gib 2] [-memory-mib 1024]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/slipway-dev/slipway/test/rack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "virtualrack:", err)
		os.Exit(1)
	}
}

type options struct {
	cfg      rack.Config
	machines string
	image    string
	imageDir string
	disk     int
	memory   int
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("virtualrack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cfg.Slipway, "slipway", ".cache/bin/slipway", "the slipway binary")
	fs.StringVar(&o.cfg.RackVM, "rackvm", "", "the rackvm binary (default: built with go build)")
	fs.StringVar(&o.cfg.Dir, "dir", ".cache/rack", "the rack's directory (emptied first; logs, disks and serial consoles stay after exit)")
	fs.StringVar(&o.cfg.AgentDir, "agent-dir", ".cache/images/agent", "the agent's vmlinuz and initrd")
	fs.StringVar(&o.cfg.APIListen, "listen", "127.0.0.1:8443", "host address forwarded to the appliance's API and UI")
	fs.StringVar(&o.cfg.LogLevel, "log-level", "info", "the appliance's log level")
	fs.StringVar(&o.cfg.KubeArtifacts, "kube-artifacts", ".cache", "the Kubernetes and containerd binaries (make images-kube) clusters are built from")
	fs.StringVar(&o.machines, "machines", "r1-u05=bios,r1-u06=uefi", "machines as NAME=FIRMWARE (name r1-uNN: NN is the rack unit)")
	fs.StringVar(&o.image, "image", "tiny", "the OS image every machine installs (IMAGE-DIR/NAME.raw.zst; empty: none)")
	fs.StringVar(&o.imageDir, "image-dir", ".cache/images/os", "where the OS images were built")
	fs.IntVar(&o.disk, "disk-gib", 2, "disk size of each machine")
	fs.IntVar(&o.memory, "memory-mib", 1024, "memory of each machine")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	ms, err := machines(o.machines, o.disk, o.memory)
	if err != nil {
		return o, err
	}
	o.cfg.Machines = ms
	for _, p := range []*string{&o.cfg.Slipway, &o.cfg.Dir, &o.cfg.AgentDir, &o.cfg.RackVM, &o.cfg.KubeArtifacts} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return o, err
			}
		}
	}
	for _, f := range []string{"vmlinuz", "initrd"} {
		if _, err := os.Stat(filepath.Join(o.cfg.AgentDir, f)); err != nil {
			return o, fmt.Errorf("the agent is not built: %w (make images-agent builds it)", err)
		}
	}
	if o.image != "" {
		img, err := rack.ImageFromFile(o.image, filepath.Join(o.imageDir, o.image+".raw.zst"))
		if err != nil {
			return o, fmt.Errorf("%w (make images builds it)", err)
		}
		o.cfg.Image = &img
	}
	return o, nil
}

// machines parses "r1-u05=bios,r1-u06=uefi".
func machines(spec string, disk, memory int) ([]rack.Machine, error) {
	var out []rack.Machine
	for _, item := range strings.Split(spec, ",") {
		name, fw, ok := strings.Cut(strings.TrimSpace(item), "=")
		unit, err := strconv.Atoi(strings.TrimPrefix(name, "r1-u"))
		if !ok || !strings.HasPrefix(name, "r1-u") || err != nil || unit < 1 || unit > 94 || (fw != "bios" && fw != "uefi") {
			return nil, fmt.Errorf("-machines %q: want r1-uNN=bios|uefi (NN from 01 to 94), comma-separated", item)
		}
		m := rack.MachineAt(unit, fw)
		m.DiskGiB, m.MemoryMiB = disk, memory
		out = append(out, m)
	}
	return out, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if why := rack.Why(); why != "" {
		return fmt.Errorf("%s", why)
	}
	if err := os.RemoveAll(o.cfg.Dir); err != nil {
		return err
	}
	o.cfg.Log = slog.New(slog.NewTextHandler(stderr, nil))
	r, err := rack.Start(ctx, o.cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	password, err := uiUser(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, banner(r, o.cfg, password))
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nstopping the virtual rack (appliance, BMCs, machines; namespace deleted); logs stay in "+o.cfg.Dir)
	return nil
}
