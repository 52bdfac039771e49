// Command probe is the smoke-test workload of the image Slipway builds
// locally as slipway.dev/probe:v1 (no registry is reachable at the edge).
//
//	probe serve -listen :8080   GET / answers "probe HOSTNAME\n", GET /healthz "ok\n"
//	probe get URL               fetches URL (5 s per try, retried for up to 60 s),
//	                            prints the body; exits 0 on HTTP 200, else 1
//
// A pod running `serve` and another running `get http://SERVICE/` prove that
// the runtime, the pod network and Services work on a new cluster.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

const usage = "usage: probe serve [-listen ADDR] | probe get [-timeout D] [-wait D] URL"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("probe "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch args[0] {
	case "serve":
		listen := fs.String("listen", ":8080", "the address to serve on")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		host, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("hostname: %w", err)
		}
		return serve(ctx, *listen, host)
	case "get":
		timeout := fs.Duration("timeout", 5*time.Second, "the timeout of one try")
		wait := fs.Duration("wait", 60*time.Second, "how long to keep retrying")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New(usage)
		}
		return get(ctx, fs.Arg(0), *timeout, *wait, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}
