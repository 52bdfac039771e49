package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/config"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with appliance configuration files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file (with the SLIPWAY_* environment applied)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0], a.env.Environ)
			if err == nil {
				err = cfg.Validate()
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, "ok")
			return nil
		},
	})
	return cmd
}
