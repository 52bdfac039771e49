package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/appliance"
	"github.com/slipway-dev/slipway/internal/config"
)

// userCommand is `slipway user create`: web UI users live in the
// appliance's store, so it runs on the appliance host with the serve
// configuration (like `serve`, not through the API).
func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the web UI's local users (on the appliance host)"}
	var (
		cfgFile, dataDir, role string
		stdin                  bool
	)
	create := &cobra.Command{
		Use:   "create NAME --role ROLE --password-stdin",
		Short: "Create a web UI user, or set an existing user's role and password",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !stdin {
				return errors.New("--password-stdin is required (a password on the command line is visible in ps)")
			}
			pw, err := readPassword(a.env.Stdin)
			if err != nil {
				return err
			}
			cfg, err := config.Load(cfgFile, a.env.Environ)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data-dir") {
				cfg.DataDir = dataDir
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("invalid configuration:\n%w", err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := appliance.CreateUser(cmd.Context(), cfg, args[0], role, pw, log); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "user %s (%s) saved\n", args[0], role)
			return err
		},
	}
	fl := create.Flags()
	fl.StringVar(&role, "role", "viewer", "viewer, operator or admin")
	fl.BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	fl.StringVar(&cfgFile, "config", "", "the appliance's configuration file (YAML)")
	fl.StringVar(&dataDir, "data-dir", "", "the appliance's data directory")
	cmd.AddCommand(create)
	return cmd
}

// readPassword reads the first line of r.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("read password: standard input is empty")
	}
	return pw, nil
}
