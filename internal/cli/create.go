package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
)

func (a *app) createCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "create", Short: "Create credentials or API tokens"}
	cmd.AddCommand(a.createCredentialsCommand(), a.createTokenCommand())
	return cmd
}

func (a *app) createCredentialsCommand() *cobra.Command {
	var username, kubeconfig string
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "credentials NAME (--username USER --password-stdin | --kubeconfig FILE)",
		Short: "Store a secret on the appliance (encrypted at rest; never shown again)",
		Long: "Store a secret on the appliance (encrypted at rest; never shown again): a user name and a password\n" +
			"read from standard input (a BMC's), or with --kubeconfig a fleet manager's kubeconfig (user name kubeconfig).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if kubeconfig != "" {
				if fromStdin || (username != "" && username != kubeconfigUser) {
					return errors.New("--kubeconfig stores the file as the secret, with username kubeconfig: drop --username and --password-stdin")
				}
				return a.createKubeconfigCredentials(cmd.Context(), args[0], kubeconfig)
			}
			if username == "" {
				return errors.New("--username is required (or --kubeconfig FILE)")
			}
			if !fromStdin {
				return errors.New("--password-stdin is required: a password is never taken from the command line")
			}
			return a.createCredentials(cmd.Context(), args[0], username)
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "user name")
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "store this kubeconfig file (a fleet manager's cluster) as the secret")
	return cmd
}

func (a *app) createCredentials(ctx context.Context, name, username string) error {
	password, err := readLine(a.env.Stdin)
	if err != nil {
		return err
	}
	return a.storeCredentials(ctx, name, username, password)
}

func (a *app) storeCredentials(ctx context.Context, name, username, password string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	cr, err := c.CreateCredentials(ctx, api.CredentialsRequest{Name: name, Username: username, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "credentials %q stored (username %s)\n", cr.Name, cr.Username)
	return nil
}

// readLine reads the first line of r without its line ending.
func readLine(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return "", errors.New("read password from stdin: no input")
	}
	line := strings.TrimRight(sc.Text(), "\r")
	if line == "" {
		return "", errors.New("read password from stdin: empty password")
	}
	return line, nil
}

func (a *app) createTokenCommand() *cobra.Command {
	var role, ttl string
	cmd := &cobra.Command{
		Use:   "token NAME --role viewer|operator|admin [--ttl DURATION]",
		Short: "Create an API token (printed once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			res, err := c.CreateToken(cmd.Context(), api.TokenRequest{Name: args[0], Role: role, TTL: ttl})
			if err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, res.Token)
			expires := "never"
			if res.Info.ExpiresAt != nil {
				expires = timestamp(*res.Info.ExpiresAt)
			}
			fmt.Fprintf(a.env.Stderr, "token %q (id %s, role %s, expires %s): store it now, it is not shown again\n",
				res.Info.Name, res.Info.ID, res.Info.Role, expires)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "viewer, operator or admin")
	cmd.Flags().StringVar(&ttl, "ttl", "", "lifetime (Go duration, e.g. 720h); default no expiry")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}
