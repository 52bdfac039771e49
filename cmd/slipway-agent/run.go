package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/agent"
)

// options are the agent's flags.
type options struct {
	cmdline   string   // file holding the kernel command line
	root      string   // where inspect reads /sys and /proc
	noNetwork bool     // the network is already up (not PID 1)
	disks     []string // files or devices standing in for the inspected disks
	pid1      bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{pid1: os.Getpid() == 1}
	fs := flag.NewFlagSet("slipway-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cmdline, "cmdline", "/proc/cmdline", "file holding the kernel command line (slipway.* parameters)")
	fs.StringVar(&o.root, "root", "/", "root of the /sys and /proc trees to inspect")
	fs.BoolVar(&o.noNetwork, "no-network", false, "do not configure the network (it is already up)")
	disks := fs.String("disks", "", "comma-separated files or devices to use as the only disks (install, wipe); default: the inspected disks")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *disks != "" {
		o.disks = strings.Split(*disks, ",")
	}
	return o, nil
}

// run is the agent. As PID 1 it never returns: a failed run is printed and
// retried, because the kernel panics when init exits. `slipway-agent
// install ...` (install.go) runs one install without an appliance instead.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "install" {
		return runInstall(ctx, args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.pid1 {
		stdout, stderr = initSystem()
	}
	log := slog.New(slog.NewTextHandler(&prefixWriter{w: stderr, prefix: "slipway-agent: "}, nil))
	a := &agentProc{opts: o, log: log}
	for {
		err := a.run(ctx)
		if err == nil && !o.pid1 {
			return nil
		}
		if err != nil {
			log.Error("agent failed", "err", err)
			a.reportFailure(ctx, err)
		}
		if !o.pid1 {
			fmt.Fprintln(stdout, "slipway-agent: failed:", err)
			return err
		}
		log.Info("retrying in 30s (PID 1 never exits)")
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
		}
	}
}

// reportFailure tells the appliance, when there is a session, that the
// agent failed outside a task.
func (a *agentProc) reportFailure(ctx context.Context, err error) {
	if a.client == nil || a.client.Session() == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = a.client.Progress(ctx, agent.Progress{Phase: "agent", Message: "agent failed: " + err.Error()})
}

// prefixWriter starts every line with prefix (one Write per slog record).
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out bytes.Buffer
	for line := range bytes.Lines(b) {
		out.WriteString(p.prefix)
		out.Write(line)
	}
	if _, err := p.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
