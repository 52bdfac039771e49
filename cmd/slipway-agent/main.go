// Command slipway-agent runs in a machine's netboot initramfs as /init: it
// brings up the boot NIC with DHCP, claims its boot token from the
// appliance (pinned CA over HTTPS), reports the hardware and carries out
// the tasks it is given (install an image, wipe, power off). Outside PID 1
// its flags let it run on a developer's machine against files as disks.
//
// `slipway-agent install -url URL -sha256 HEX -raw-sha256 HEX -raw-size N
// -disk PATH` runs the install engine alone (no appliance, no claim) and
// prints its rates and its peak RSS (test/bench/install boots it in QEMU).
package main

import (
	"context"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		os.Exit(1)
	}
}
