package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/store"
)

// addSiteCommands adds `plan site NAME` and `apply site NAME --plan ID`:
// the appliance-run Terraform of a site (infra.sites in the appliance config).
func (a *app) addSiteCommands(root *cobra.Command) {
	plan := &cobra.Command{Use: "plan", Short: "Plan the appliance's own Terraform runs"}
	plan.AddCommand(&cobra.Command{
		Use:   "site NAME",
		Short: "Run terraform plan for a site on the appliance and show the diff to review",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			run, err := c.PlanSite(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printRun(a.env.Stdout, run)
		},
	})
	root.AddCommand(plan)
	for _, cmd := range root.Commands() {
		if cmd.Name() == "apply" {
			cmd.AddCommand(a.applySiteCommand())
		}
	}
}

func (a *app) applySiteCommand() *cobra.Command {
	var planID string
	cmd := &cobra.Command{
		Use:   "site NAME --plan ID",
		Short: "Apply exactly a reviewed plan of a site (refused when it is stale)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			run, err := c.ApplySite(cmd.Context(), args[0], planID)
			if err != nil {
				return err
			}
			return printRun(a.env.Stdout, run)
		},
	}
	cmd.Flags().StringVar(&planID, "plan", "", "the plan ID `slipway plan site` printed")
	_ = cmd.MarkFlagRequired("plan")
	return cmd
}

// printRun shows a run: its diff, what to do next, or why it failed.
func printRun(w io.Writer, r store.InfraRun) error {
	if r.Diff != "" {
		fmt.Fprint(w, r.Diff)
	}
	switch r.Status {
	case "planned":
		fmt.Fprintf(w, "\nPlan ID: %s\nReview the changes above, then: slipway apply site %s --plan %s\n", r.ID, r.Site, r.ID)
	case "no-changes":
		fmt.Fprintf(w, "Site %s matches its configuration (plan %s).\n", r.Site, r.ID)
	case "applied":
		fmt.Fprintf(w, "Applied plan %s to site %s (run %s).\n", r.PlanID, r.Site, r.ID)
	case "failed":
		fmt.Fprintf(w, "Run %s of site %s failed. Terraform output:\n%s\n", r.ID, r.Site, indent(r.Output))
		return errors.New(r.Error)
	}
	return nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "  (none)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
