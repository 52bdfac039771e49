package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// InfraRun is one appliance-run Terraform plan, apply or drift check of a
// site, with its readable diff and its output. PlanFile is the saved plan,
// sealed by the caller (plans carry state values).
type InfraRun struct {
	ID     string `json:"id"`
	Site   string `json:"site"`
	Kind   string `json:"kind"`   // plan | apply | drift
	Status string `json:"status"` // running | planned | no-changes | applied | failed | superseded
	// PlanID is, for an apply, the plan it applied.
	PlanID string `json:"planId,omitempty"`
	// StateVersion is the state version the plan was made against.
	StateVersion int64      `json:"stateVersion"`
	Changes      int64      `json:"changes"`
	Summary      string     `json:"summary"`
	Diff         string     `json:"diff"`
	Output       string     `json:"output,omitempty"`
	Error        string     `json:"error,omitempty"`
	PlanFile     []byte     `json:"-"`
	Actor        string     `json:"actor"`
	CreatedAt    time.Time  `json:"createdAt"`
	FinishedAt   *time.Time `json:"finishedAt,omitempty"`
}

const (
	infraRunKind    = "infra run"
	infraRunColumns = "id, site, kind, status, plan_id, state_version, changes, summary, diff, output, error," +
		" plan_file, actor, created_at, finished_at"
)

func infraRunReader() rowReader[InfraRun] {
	var (
		r        InfraRun
		created  int64
		finished sql.NullInt64
	)
	return rowReader[InfraRun]{
		dest: []any{&r.ID, &r.Site, &r.Kind, &r.Status, &r.PlanID, &r.StateVersion, &r.Changes, &r.Summary,
			&r.Diff, &r.Output, &r.Error, &r.PlanFile, &r.Actor, &created, &finished},
		read: func() (InfraRun, error) {
			v := r
			v.PlanFile = append([]byte(nil), r.PlanFile...)
			v.CreatedAt, v.FinishedAt = fromNanos(created), fromNullNanos(finished)
			return v, nil
		},
	}
}

// PutInfraRun inserts or replaces a run (CreatedAt defaults to now).
func (tx *Tx) PutInfraRun(r *InfraRun) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = tx.now
	}
	var finished sql.NullInt64
	if r.FinishedAt != nil {
		finished = sql.NullInt64{Int64: toNanos(*r.FinishedAt), Valid: true}
	}
	if _, err := tx.exec("DELETE FROM infra_runs WHERE id = ?", r.ID); err != nil {
		return failed("put", infraRunKind, r.ID, err)
	}
	_, err := tx.exec("INSERT INTO infra_runs ("+infraRunColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.Site, r.Kind, r.Status, r.PlanID, r.StateVersion, r.Changes, r.Summary, r.Diff, r.Output, r.Error,
		r.PlanFile, r.Actor, toNanos(r.CreatedAt), finished)
	if err != nil {
		return failed("put", infraRunKind, r.ID, err)
	}
	return nil
}

// GetInfraRun returns a run by id.
func (tx *Tx) GetInfraRun(id string) (InfraRun, error) {
	r, err := getOne(tx, infraRunReader(), "SELECT "+infraRunColumns+" FROM infra_runs WHERE id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return InfraRun{}, notFound(infraRunKind, id)
	}
	if err != nil {
		return InfraRun{}, fmt.Errorf("get %s %s: %w", infraRunKind, id, err)
	}
	return r, nil
}

// ListInfraRuns returns a site's latest runs, newest first (limit 0: 100).
func (tx *Tx) ListInfraRuns(site string, limit int) ([]InfraRun, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := tx.query("SELECT "+infraRunColumns+" FROM infra_runs WHERE site = ?"+
		" ORDER BY created_at DESC, id DESC LIMIT ?", site, limit)
	out, err := collect(rows, err, 0, infraRunReader())
	if err != nil {
		return nil, fmt.Errorf("list %s of %s: %w", infraRunKind, site, err)
	}
	return out, nil
}
