// Command chassis is the chassis_control program of the test BMCs that
// test/ipmisim starts (OpenIPMI ipmi_sim calls it for power and boot
// device). It keeps one simulated server's state in DIR/state.json under
// an flock, counts its calls and how many ran at once, applies injected
// faults, and can start and stop a QEMU process as the server.
//
//	chassis DIR 0x20 get power|boot
//	chassis DIR 0x20 set power 0|1 | reset 1 | shutdown 1 | boot pxe|default|none|cdrom|bios
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/slipway-dev/slipway/test/ipmisim/simstate"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "chassis:", err)
		os.Exit(1)
	}
}

func run(_ context.Context, args []string) error {
	if len(args) < 4 {
		return fmt.Errorf("usage: chassis DIR MC get|set ITEM [VALUE]")
	}
	dir, verb, item := args[0], args[2], args[3]
	val := ""
	if len(args) > 4 {
		val = args[4]
	}
	out, err := simstate.Handle(dir, verb, item, val)
	if err != nil {
		return err
	}
	if out != "" {
		fmt.Println(out)
	}
	return nil
}
