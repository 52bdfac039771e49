// Command slipway is the Slipway appliance (`slipway serve`) and its command
// line client (`slipway get machines`, `apply`, `events -f`, ...).
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/slipway-dev/slipway/internal/cli"
)

// Set at build time: -ldflags "-X main.version=v0.1.0 -X main.commit=abc123".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.ExitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
	stop()
	os.Exit(code)
}

// run executes one command line; it never exits the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return cli.Execute(ctx, cli.Env{
		Args:    args,
		Stdin:   os.Stdin,
		Stdout:  stdout,
		Stderr:  stderr,
		Environ: os.Environ(),
		Version: version,
		Commit:  commit,
	})
}
