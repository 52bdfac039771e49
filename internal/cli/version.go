package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the client version and, when logged in, the server's",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := a.env.Stdout
			fmt.Fprintf(w, "Client: %s%s\n", a.env.Version, commit(a.env.Commit))
			cfg, err := a.loadClientConfig()
			if err != nil {
				return err
			}
			if cfg.Server == "" {
				fmt.Fprintln(w, "Server: <not logged in>")
				return nil
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			v, err := c.Version(cmd.Context())
			if err != nil {
				return fmt.Errorf("server %s: %w", c.Server(), err)
			}
			fmt.Fprintf(w, "Server: %s%s (store %s) at %s\n", v.Version, commit(v.Commit), v.Store, c.Server())
			return nil
		},
	}
}

func commit(c string) string {
	if c == "" {
		return ""
	}
	return " (" + c + ")"
}
