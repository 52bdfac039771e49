// Command terraform-provider-slipway is the Slipway Terraform provider
// (protocol 6). Terraform starts it; run with -debug to attach a debugger
// (it prints the TF_REATTACH_PROVIDERS value to use).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/slipway-dev/slipway/internal/provider"
)

// Set at build time: -ldflags "-X main.version=0.1.0".
var version = "dev"

// Address is the provider's source address (as required_providers names it).
const Address = "registry.terraform.io/slipway-dev/slipway"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-slipway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("terraform-provider-slipway", flag.ContinueOnError)
	debug := fs.Bool("debug", false, "start in debug mode (for debuggers such as delve)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return providerserver.Serve(ctx, provider.New(version), providerserver.ServeOpts{Address: Address, Debug: *debug})
}
