// Package cli is the slipway command line (cobra): `serve` runs the
// appliance; the other commands talk to it through the API client, like
// kubectl does to a cluster. Every command writes to the injected stdout and
// stderr; only main exits.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
)

// Env is everything a command may touch of the outside world.
type Env struct {
	Args    []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string // KEY=VALUE, as os.Environ returns
	// Version and Commit are the client's build (set by ldflags in main).
	Version string
	Commit  string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// app is the state shared by the commands of one invocation.
type app struct {
	env Env
	// global flags
	clientConfig string
	server       string
	tokenFile    string
}

// Execute runs the command line in env and prints any error to env.Stderr.
// The caller exits with ExitCode(err).
func Execute(ctx context.Context, env Env) error {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	a := &app{env: env}
	root := a.rootCommand()
	root.SetArgs(env.Args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		printError(env.Stderr, err)
	}
	return err
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "slipway",
		Short:         "Slipway turns a rack of powered-off servers into Kubernetes clusters",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.clientConfig, "client-config", "",
		"client configuration file (default $SLIPWAY_CLIENT_CONFIG or ~/.config/slipway/client.yaml)")
	pf.StringVar(&a.server, "server", "", "appliance URL, https://host:port (overrides the client config)")
	pf.StringVar(&a.tokenFile, "token-file", "", "file holding the API token (overrides the client config)")
	root.AddCommand(
		a.serveCommand(),
		a.configCommand(),
		a.loginCommand(),
		a.getCommand(),
		a.describeCommand(),
		a.eventsCommand(),
		a.applyCommand(),
		a.diffCommand(),
		a.deleteCommand(),
		a.createCommand(),
		a.fleetCommand(),
		a.kubeconfigCommand(),
		a.renewCommand(),
		a.versionCommand(),
	)
	root.AddCommand(a.bmcCommands()...)
	root.AddCommand(a.lifecycleCommands()...)
	root.AddCommand(a.userCommand())
	root.AddCommand(a.imageCommand())
	a.addSiteCommands(root)
	return root
}

// loadClientConfig returns the client configuration with the global flags
// applied over the file and the environment.
func (a *app) loadClientConfig() (api.ClientConfig, error) {
	cfg, err := api.LoadClientConfig(a.clientConfig, a.env.Environ)
	if err != nil {
		return cfg, err
	}
	if a.server != "" {
		cfg.Server = a.server
	}
	if a.tokenFile != "" {
		if cfg.Token, err = readToken(a.tokenFile); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// client returns an API client for the configured server and token.
func (a *app) client() (*api.Client, error) {
	cfg, err := a.loadClientConfig()
	if err != nil {
		return nil, err
	}
	if cfg.Server != "" && cfg.Token == "" {
		return nil, fmt.Errorf("no token for %s: run `slipway login` or pass --token-file", cfg.Server)
	}
	return cfg.Client()
}

func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("token file %s: empty", path)
	}
	return tok, nil
}

// exitError ends the command with a status and no message of its own (the
// command already said what it had to, as `diff` does).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// ExitCode is the process status for err: 0 for nil, the code of a silent
// exit, 1 otherwise.
func ExitCode(err error) int {
	var e *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.code
	}
	return 1
}

// printError writes err as "error: ..." lines: an API error as "field:
// message", every inventory problem of a 422 on its own line.
func printError(w io.Writer, err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		return
	}
	var ae *api.Error
	if errors.As(err, &ae) && len(ae.Errors) > 0 {
		for _, fe := range ae.Errors {
			fmt.Fprintf(w, "error: %s\n", fe.Error())
		}
		return
	}
	for line := range strings.SplitSeq(strings.TrimRight(err.Error(), "\n"), "\n") {
		fmt.Fprintf(w, "error: %s\n", line)
	}
}
