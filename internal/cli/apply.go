package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

type applyFlags struct {
	files  []string
	dryRun bool
	prune  bool
}

func addFileFlags(cmd *cobra.Command, f *applyFlags) {
	cmd.Flags().StringArrayVarP(&f.files, "filename", "f", nil, "inventory file or directory (repeatable)")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "delete live objects the files no longer declare")
	_ = cmd.MarkFlagRequired("filename")
}

func (a *app) applyCommand() *cobra.Command {
	var f applyFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR [--dry-run] [--prune]",
		Short: "Make the appliance's inventory equal the files: show the plan, then apply it atomically",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.apply(cmd.Context(), f)
		},
	}
	addFileFlags(cmd, &f)
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "show the plan and change nothing")
	return cmd
}

func (a *app) diffCommand() *cobra.Command {
	var f applyFlags
	cmd := &cobra.Command{
		Use:   "diff -f FILE|DIR [--prune]",
		Short: "Show what apply would change; exit status 1 when there are changes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			plan, _, err := a.plan(cmd.Context(), f)
			if err != nil {
				return err
			}
			a.printPlan(plan)
			if !plan.Empty() {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	addFileFlags(cmd, &f)
	return cmd
}

// plan reads the files and asks the appliance for the plan.
func (a *app) plan(ctx context.Context, f applyFlags) (*inventory.Plan, []inventory.File, error) {
	files, err := inventory.ReadPaths(f.files)
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no .yaml or .yml files in %v", f.files)
	}
	c, err := a.client()
	if err != nil {
		return nil, nil, err
	}
	res, err := c.Plan(ctx, api.PlanRequest{Files: files, Prune: f.prune})
	if err != nil {
		return nil, nil, err
	}
	return &res.Plan, files, nil
}

func (a *app) apply(ctx context.Context, f applyFlags) error {
	plan, files, err := a.plan(ctx, f)
	if err != nil {
		return err
	}
	a.printPlan(plan)
	if plan.Empty() {
		return nil
	}
	if f.dryRun {
		fmt.Fprintln(a.env.Stdout, "Dry run: nothing was applied.")
		return nil
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	res, err := c.Apply(ctx, api.ApplyRequest{Files: files, Prune: f.prune, Expect: plan.Expectations()})
	if api.IsStatus(err, 409) {
		return fmt.Errorf("apply refused, nothing was changed: %w", err)
	}
	if err != nil {
		return err
	}
	if !res.Applied {
		return errors.New("the appliance did not apply the plan")
	}
	fmt.Fprintf(a.env.Stdout, "Applied: %s\n", counts(&res.Plan))
	return nil
}

// printPlan prints each change's unified diff, the warnings, then the summary.
func (a *app) printPlan(p *inventory.Plan) {
	w := a.env.Stdout
	for _, c := range p.Changes {
		io.WriteString(w, c.Diff) //nolint:errcheck // stdout
		if c.Diff != "" && c.Diff[len(c.Diff)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(a.env.Stderr, "warning: %s\n", warn)
	}
	fmt.Fprintln(w, p.Summary())
}

func counts(p *inventory.Plan) string {
	var created, updated, deleted int
	for _, c := range p.Changes {
		switch c.Action {
		case "create":
			created++
		case "update":
			updated++
		case "delete":
			deleted++
		}
	}
	return fmt.Sprintf("%d created, %d updated, %d deleted.", created, updated, deleted)
}
