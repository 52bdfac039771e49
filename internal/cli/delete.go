package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/inventory"
)

func (a *app) deleteCommand() *cobra.Command {
	var revision int64
	cmd := &cobra.Command{
		Use:   "delete KIND NAME",
		Short: "Delete a machine, network, image, cluster, fleet or credentials entry",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := inventory.ParseKind(args[0])
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.Delete(cmd.Context(), kind, args[1], revision); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%s %q deleted\n", strings.ToLower(string(kind)), args[1])
			return nil
		},
	}
	cmd.Flags().Int64Var(&revision, "revision", 0, "only delete if the object is still at this revision")
	return cmd
}
