package infra

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/slipway-dev/slipway/internal/store"
)

// Run kinds and statuses.
const (
	KindPlan  = "plan"
	KindApply = "apply"
	KindDrift = "drift"

	StatusRunning    = "running"
	StatusPlanned    = "planned"
	StatusNoChanges  = "no-changes"
	StatusDrifted    = "drifted"
	StatusApplied    = "applied"
	StatusFailed     = "failed"
	StatusSuperseded = "superseded"
)

func newID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func planAAD(id string) []byte { return []byte("infra-plan/" + id) }

// Plan runs terraform plan for site and keeps the saved plan under the
// returned run's ID for review and apply. A plan that fails is a run too
// (status failed, with the output and error).
func (r *Runner) Plan(ctx context.Context, site, actor string) (store.InfraRun, error) {
	return r.plan(ctx, site, KindPlan, actor)
}

func (r *Runner) plan(ctx context.Context, name, kind, actor string) (store.InfraRun, error) {
	s, err := r.site(name)
	if err != nil {
		return store.InfraRun{}, err
	}
	release, err := r.acquire(name, kind+" by "+actor)
	if err != nil {
		return store.InfraRun{}, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RunTimeout)
	defer cancel()
	run := store.InfraRun{ID: newID(kind), Site: name, Kind: kind, Status: StatusRunning, Actor: actor}
	if run.StateVersion, err = r.stateVersion(ctx, name); err != nil {
		return store.InfraRun{}, err
	}
	if err := r.save(ctx, &run); err != nil {
		return store.InfraRun{}, err
	}
	w, err := r.prepare(s)
	if err == nil {
		err = r.runPlan(ctx, w, &run)
	}
	r.finish(&run, w, err)
	return r.record(ctx, run)
}

// runPlan plans into the saved plan file and renders its diff.
func (r *Runner) runPlan(ctx context.Context, w *workspace, run *store.InfraRun) error {
	if err := w.init(ctx); err != nil {
		return fmt.Errorf("terraform init: %w", err)
	}
	path := filepath.Join(w.dir, planFile)
	if _, err := w.tf.Plan(ctx, tfOut(path)...); err != nil {
		return fmt.Errorf("terraform plan: %w", err)
	}
	p, err := w.tf.ShowPlanFile(ctx, path)
	if err != nil {
		return fmt.Errorf("terraform show: %w", err)
	}
	d := Render(p)
	run.Diff, run.Summary, run.Changes = d.Text, d.Summary, int64(d.Changes)
	switch {
	case d.Changes == 0:
		run.Status = StatusNoChanges
	case run.Kind == KindDrift:
		run.Status = StatusDrifted
	default:
		run.Status = StatusPlanned
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if run.PlanFile, err = r.keys.Seal(raw, planAAD(run.ID)); err != nil {
			return fmt.Errorf("seal plan: %w", err)
		}
	}
	return nil
}

// finish sets the run's end, output and error.
func (r *Runner) finish(run *store.InfraRun, w *workspace, err error) {
	now := r.now().UTC()
	run.FinishedAt = &now
	if w != nil {
		run.Output = w.out.String()
	}
	if err != nil {
		run.Status, run.Error = StatusFailed, err.Error()
	}
}

// record stores a finished run: a new plan supersedes the site's earlier
// unapplied plans; a drift check that found changes is an event.
func (r *Runner) record(ctx context.Context, run store.InfraRun) (store.InfraRun, error) {
	err := r.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if run.Kind == KindPlan && run.Status == StatusPlanned {
			if err := supersede(tx, run); err != nil {
				return err
			}
		}
		if run.Status == StatusDrifted {
			data, _ := json.Marshal(map[string]any{"site": run.Site, "run": run.ID, "changes": run.Changes})
			if err := tx.AppendEvent(&store.Event{Type: EventDrift, Reason: "site " + run.Site,
				Message: run.Summary, Actor: Actor, Data: data}); err != nil {
				return err
			}
		}
		return tx.PutInfraRun(&run)
	})
	run.PlanFile = nil
	return run, err
}

func supersede(tx *store.Tx, run store.InfraRun) error {
	runs, err := tx.ListInfraRuns(run.Site, 100)
	if err != nil {
		return err
	}
	for _, old := range runs {
		if old.Kind == KindPlan && old.Status == StatusPlanned && old.ID != run.ID {
			old.Status, old.Error, old.PlanFile = StatusSuperseded, "superseded by plan "+run.ID, nil
			if err := tx.PutInfraRun(&old); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Runner) save(ctx context.Context, run *store.InfraRun) error {
	return r.db.Update(ctx, func(tx *store.Tx) error { return tx.PutInfraRun(run) })
}

// stateVersion is the site's current state version (0: none yet).
func (r *Runner) stateVersion(ctx context.Context, site string) (int64, error) {
	var v int64
	err := r.db.View(ctx, func(tx *store.Tx) error {
		st, err := tx.ListTFStates(StateName(site))
		if len(st) > 0 {
			v = st[0].Version
		}
		return err
	})
	return v, err
}

// Apply applies exactly the saved plan planID, refusing it (ErrStale) when
// it is not the site's latest plan, was applied already, or the state
// changed since it was made. Terraform itself also refuses a saved plan
// whose state has moved on.
func (r *Runner) Apply(ctx context.Context, site, planID, actor string) (store.InfraRun, error) {
	s, err := r.site(site)
	if err != nil {
		return store.InfraRun{}, err
	}
	release, err := r.acquire(site, "apply of "+planID+" by "+actor)
	if err != nil {
		return store.InfraRun{}, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RunTimeout)
	defer cancel()
	plan, raw, err := r.applicable(ctx, site, planID)
	if err != nil {
		return store.InfraRun{}, err
	}
	run := store.InfraRun{ID: newID(KindApply), Site: site, Kind: KindApply, Status: StatusRunning, PlanID: planID,
		StateVersion: plan.StateVersion, Changes: plan.Changes, Summary: plan.Summary, Diff: plan.Diff, Actor: actor}
	if err := r.save(ctx, &run); err != nil {
		return store.InfraRun{}, err
	}
	w, err := r.prepare(s)
	if err == nil {
		err = r.runApply(ctx, w, raw)
	}
	if err == nil {
		run.Status = StatusApplied
	}
	r.finish(&run, w, err)
	plan.Status, plan.PlanFile = StatusApplied, nil
	if err != nil {
		plan.Status, plan.Error = StatusFailed, "apply "+run.ID+" failed"
	}
	if err := r.save(context.WithoutCancel(ctx), &plan); err != nil {
		return store.InfraRun{}, err
	}
	return r.record(ctx, run)
}

// applicable loads a plan that may be applied now and its plan file.
func (r *Runner) applicable(ctx context.Context, site, planID string) (store.InfraRun, []byte, error) {
	var plan store.InfraRun
	err := r.db.View(ctx, func(tx *store.Tx) error {
		var err error
		plan, err = tx.GetInfraRun(planID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && (plan.Site != site || plan.Kind != KindPlan)):
		return plan, nil, fmt.Errorf("site %s: plan %s: %w", site, planID, store.ErrNotFound)
	case err != nil:
		return plan, nil, err
	case plan.Status != StatusPlanned:
		return plan, nil, fmt.Errorf("site %s: plan %s is %s (%s): %w", site, planID, plan.Status, plan.Error, ErrStale)
	}
	v, err := r.stateVersion(ctx, site)
	if err != nil {
		return plan, nil, err
	}
	if v != plan.StateVersion {
		return plan, nil, fmt.Errorf("site %s: plan %s was made against state version %d, the state is now at version %d; plan again: %w",
			site, planID, plan.StateVersion, v, ErrStale)
	}
	raw, err := r.keys.Open(plan.PlanFile, planAAD(plan.ID))
	if err != nil {
		return plan, nil, fmt.Errorf("site %s: plan %s: %w", site, planID, err)
	}
	return plan, raw, nil
}

// runApply writes the saved plan and applies it.
func (r *Runner) runApply(ctx context.Context, w *workspace, raw []byte) error {
	path := filepath.Join(w.dir, planFile)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return err
	}
	if err := w.init(ctx); err != nil {
		return fmt.Errorf("terraform init: %w", err)
	}
	if err := w.tf.Apply(ctx, tfDirOrPlan(path)); err != nil {
		return fmt.Errorf("terraform apply: %w", err)
	}
	return nil
}
