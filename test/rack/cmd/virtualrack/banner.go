package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/slipway-dev/slipway/test/rack"
)

// uiUser is the web UI's sign-in for the demo: user admin with a fresh
// random password, created on the appliance host as an operator would.
func uiUser(ctx context.Context, r *rack.Rack) (string, error) {
	password := rand.Text()
	_, err := r.CLIStdin(ctx, password+"\n", "user", "create", "admin", "--role", "admin", "--password-stdin",
		"--config", filepath.Join(r.Dir, "slipway.yaml"))
	if err != nil {
		return "", fmt.Errorf("create the web UI user: %w", err)
	}
	return password, nil
}

// banner is what the command prints once the rack is up.
func banner(r *rack.Rack, cfg rack.Config, password string) string {
	var b strings.Builder
	sw := cfg.Slipway
	fmt.Fprintf(&b, "\nVirtual rack up: %d machines behind ipmi_sim BMCs, the appliance on %s (namespace %s).\n\n",
		len(r.VMs), rack.Addr, r.NS.NS)
	for _, v := range r.VMs {
		fmt.Fprintf(&b, "  %-7s %-4s mac %s  bmc ipmi://%s:%d  serial console %s\n", v.Name, v.Firmware, v.MAC,
			rack.Addr, v.BMCPort(), v.Serial)
	}
	fmt.Fprintf(&b, "\nWeb UI:       %s/  (user admin, password %s; the CA below signs its certificate)\n", r.URL(), password)
	fmt.Fprintf(&b, "Admin token:  %s\n", r.TokenFile())
	fmt.Fprintf(&b, "CA:           %s\n", r.CAFile())
	fmt.Fprintf(&b, "Log in:       %s\n", r.LoginCommand())
	fmt.Fprintf(&b, "Appliance log: %s\n", filepath.Join(cfg.Dir, "logs", "appliance.log"))
	names := make([]string, len(r.VMs))
	for i, v := range r.VMs {
		names[i] = v.Name
	}
	fmt.Fprintf(&b, "\nThen try:\n")
	for _, c := range []string{"get machines", "provision " + strings.Join(names, " ") + " --wait", "describe machine " + names[0], "events -f"} {
		fmt.Fprintf(&b, "  %s %s\n", sw, c)
	}
	fmt.Fprintf(&b, "\nCtrl-C stops the rack.\n")
	return b.String()
}
