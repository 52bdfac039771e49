// Command rackvm is the virtual rack's machine program (test/rack). Its
// BMC, an OpenIPMI ipmi_sim, runs it as chassis_control; at power on it
// starts itself again as the machine's supervisor, which runs QEMU.
//
//	rackvm chassis DIR 0x20 get power|boot
//	rackvm chassis DIR 0x20 set power 0|1 | reset 1 | shutdown 1 | boot pxe|default|...
//	rackvm run DIR     (the machine: QEMU, restarted fresh on guest reboot)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
	"github.com/slipway-dev/slipway/test/rack/node"
)

func main() {
	// QEMU is started with Pdeathsig, which follows the thread that
	// started it: keep everything on this one.
	runtime.LockOSThread()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rackvm:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: rackvm chassis DIR MC get|set ITEM [VALUE] | rackvm run DIR")
	}
	switch args[0] {
	case "run":
		return node.Supervise(ctx, args[1], stderr)
	case "chassis":
		if len(args) < 5 {
			return fmt.Errorf("usage: rackvm chassis DIR MC get|set ITEM [VALUE]")
		}
		val := ""
		if len(args) > 5 {
			val = args[5]
		}
		out, err := simstate.Handle(args[1], args[3], args[4], val)
		if err != nil {
			return err
		}
		if out != "" {
			fmt.Fprintln(stdout, out)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}
