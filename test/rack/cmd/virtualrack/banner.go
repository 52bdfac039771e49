package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/slipway-dev/slipway/test/rack"
)

// banner is what the command prints once the rack is up.
func banner(r *rack.Rack, cfg rack.Config) string {
	var b strings.Builder
	sw := cfg.Slipway
	fmt.Fprintf(&b, "\nVirtual rack up: %d machines behind ipmi_sim BMCs, the appliance on %s (namespace %s).\n\n",
		len(r.VMs), rack.Addr, r.NS.NS)
	for _, v := range r.VMs {
		fmt.Fprintf(&b, "  %-7s %-4s mac %s  bmc ipmi://%s:%d  serial console %s\n", v.Name, v.Firmware, v.MAC,
			rack.Addr, v.BMCPort(), v.Serial)
	}
	fmt.Fprintf(&b, "\nWeb UI:       %s/\n", r.URL())
	fmt.Fprintf(&b, "Admin token:  %s\n", r.TokenFile())
	fmt.Fprintf(&b, "CA:           %s\n", r.CAFile())
	fmt.Fprintf(&b, "Log in:       %s\n", r.LoginCommand())
	fmt.Fprintf(&b, "Appliance log: %s\n", filepath.Join(cfg.Dir, "logs", "appliance.log"))
	names := make([]string, len(r.VMs))
	for i, v := range r.VMs {
		names[i] = v.Name
	}
	fmt.Fprintf(&b, "\nThen try:\n")
	for _, c := range []string{"get machines", "provision " + strings.Join(names, " "), "describe machine " + names[0], "events -f"} {
		fmt.Fprintf(&b, "  %s %s\n", sw, c)
	}
	fmt.Fprintf(&b, "\nCtrl-C stops the rack.\n")
	return b.String()
}
