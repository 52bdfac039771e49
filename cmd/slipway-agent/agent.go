package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/inspect"
	"github.com/slipway-dev/slipway/internal/install"
)

// agentProc is one agent: its session survives a retried run.
type agentProc struct {
	opts   options
	log    *slog.Logger
	cl     agent.Cmdline
	client *agent.Client
	netUp  bool
	// reboot powers off or restarts the machine (PID 1 only).
	reboot func(cmd int) error
}

// errDone ends a run that must not continue (outside PID 1: a power action
// or a wait task leaves the host alone).
var errDone = errors.New("done")

func (a *agentProc) run(ctx context.Context) error {
	if a.client == nil {
		raw, err := os.ReadFile(a.opts.cmdline)
		if err != nil {
			return fmt.Errorf("kernel command line: %w", err)
		}
		if a.cl, err = agent.ParseCmdline(string(raw)); err != nil {
			return err
		}
		a.client = agent.NewClient(agent.ClientConfig{URL: a.cl.URL, CA: a.cl.CA, Log: a.log})
	}
	if !a.opts.noNetwork && !a.netUp {
		if err := configureNetwork(ctx, a.log, a.cl.MAC); err != nil {
			return err
		}
		a.netUp = true
	}
	if a.client.Session() == "" {
		resp, err := a.client.Claim(ctx, agent.ClaimRequest{Token: a.cl.Token, MAC: a.cl.MAC.String(), Machine: a.cl.Machine})
		if err != nil {
			return err
		}
		a.log.Info("claimed", "machine", resp.Machine)
	}
	inv, err := inspect.Inspect(ctx, a.opts.root, a.log)
	if err != nil {
		return err
	}
	task, err := a.client.Inventory(ctx, inv)
	if err != nil {
		return err
	}
	disks := a.targets(inv.Disks)
	for {
		a.log.Info("task", "action", task.Action, "reason", task.Reason)
		next, err := a.do(ctx, task, disks)
		if errors.Is(err, errDone) {
			return nil
		}
		if err != nil {
			return err
		}
		task = next
	}
}

// targets are the disks tasks may write: the inspected ones, or the files
// given with -disks.
func (a *agentProc) targets(inspected []agent.Disk) []agent.Disk {
	if len(a.opts.disks) == 0 {
		return inspected
	}
	out := make([]agent.Disk, 0, len(a.opts.disks))
	for _, p := range a.opts.disks {
		out = append(out, agent.Disk{Name: filepath.Base(p), Path: p})
	}
	return out
}

// do carries out one task and returns the appliance's next one.
func (a *agentProc) do(ctx context.Context, task agent.Task, disks []agent.Disk) (agent.Task, error) {
	switch task.Action {
	case agent.ActionInstall:
		return a.client.Result(ctx, a.install(ctx, task.Install, disks))
	case agent.ActionWipe:
		return a.client.Result(ctx, a.wipe(ctx, disks))
	case agent.ActionPowerOff:
		return task, a.power(unix.LINUX_REBOOT_CMD_POWER_OFF)
	case agent.ActionReboot:
		return task, a.power(unix.LINUX_REBOOT_CMD_RESTART)
	}
	// wait (and any action this agent does not know): stay up until the
	// BMC resets the machine.
	if !a.opts.pid1 {
		return task, errDone
	}
	<-ctx.Done()
	select {} // PID 1 never returns
}

func (a *agentProc) install(ctx context.Context, in *agent.Install, disks []agent.Disk) agent.Result {
	if in == nil {
		return agent.Result{Action: agent.ActionInstall, Error: "install task without install details", Phase: "check"}
	}
	inst := install.New(install.Config{Log: a.log, Progress: a.progress(ctx)})
	res, _ := inst.Install(ctx, *in, disks) // the Result carries the error
	return res
}

// progress posts reports without ever blocking the install for long.
func (a *agentProc) progress(ctx context.Context) func(agent.Progress) {
	return func(p agent.Progress) {
		a.log.Info("progress", "phase", p.Phase, "bytes", p.Bytes, "total", p.Total, "mbPerSec", p.BytesPerSec/1e6, "resumes", p.Resumes)
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := a.client.Progress(pctx, p); err != nil {
			a.log.Warn("progress report failed", "err", err)
		}
	}
}

func (a *agentProc) wipe(ctx context.Context, disks []agent.Disk) agent.Result {
	start := time.Now()
	n, err := install.WipeAll(ctx, disks)
	res := agent.Result{Action: agent.ActionWipe, OK: err == nil, Phase: agent.PhaseWipe, DurationMS: time.Since(start).Milliseconds()}
	if err != nil {
		res.Error = err.Error()
	}
	a.log.Info("wiped", "disks", n, "err", err)
	return res
}

// power syncs the disks and powers off or restarts: only as PID 1.
func (a *agentProc) power(cmd int) error {
	unix.Sync()
	if !a.opts.pid1 {
		a.log.Info("not PID 1: leaving the power alone", "cmd", fmt.Sprintf("%#x", cmd))
		return errDone
	}
	reboot := a.reboot
	if reboot == nil {
		reboot = unix.Reboot
	}
	if err := reboot(cmd); err != nil {
		return fmt.Errorf("reboot(%#x): %w", cmd, err)
	}
	select {} // the kernel stops us
}
