package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slipway-dev/slipway/internal/store"
)

// applier carries one Apply through its transaction.
type applier struct {
	tx       *store.Tx
	opts     ApplyOptions
	declared []Object
	files    []string
	live     []Object
	liveIdx  map[Key]*Object
	declIdx  map[Key]*Object
	plan     *Plan
}

func apply(ctx context.Context, db *store.DB, files []File, opts ApplyOptions) (*Plan, error) {
	declared, err := DecodeFiles(files)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	run := db.Update
	if opts.DryRun {
		run = db.View // a plan reads one consistent snapshot and writes nothing
	}
	var plan *Plan
	err = run(ctx, func(tx *store.Tx) error {
		// The declared objects are normalized by Validate; each attempt starts afresh.
		a := &applier{tx: tx, opts: opts, declared: slices.Clone(declared), files: names}
		if err := a.run(); err != nil {
			return err
		}
		plan = a.plan
		return nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

func (a *applier) run() error {
	if err := a.readLive(); err != nil {
		return err
	}
	if a.opts.Prune && len(a.declared) == 0 {
		return ErrorList{{Message: "the inventory declares nothing; refusing to prune (it would delete every object)"}}
	}
	var others []Object
	if !a.opts.Prune {
		others = a.live // the live objects that stay resolve references too
	}
	if errs := Validate(a.declared, others); len(errs) > 0 {
		return errs
	}
	plan, err := ComputePlan(a.declared, a.live, a.opts.Prune)
	if err != nil {
		return err
	}
	a.plan = plan
	if a.opts.Expect != nil {
		if err := checkExpect(plan, a.opts.Expect, a.liveIdx); err != nil {
			return err
		}
	}
	if err := a.warnings(); err != nil {
		return err
	}
	if err := a.writeObjects(); err != nil {
		return err
	}
	if err := a.machineRows(); err != nil {
		return err
	}
	return a.recordApply()
}

// readLive reads every stored object once.
func (a *applier) readLive() error {
	stored, err := a.tx.ListObjects("")
	if err != nil {
		return fmt.Errorf("inventory: read live objects: %w", err)
	}
	a.live = make([]Object, 0, len(stored))
	a.liveIdx = make(map[Key]*Object, len(stored))
	for _, so := range stored {
		o, err := FromStored(so)
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		a.live = append(a.live, o)
	}
	for i := range a.live {
		a.liveIdx[a.live[i].Key()] = &a.live[i]
	}
	a.declIdx = make(map[Key]*Object, len(a.declared))
	for i := range a.declared {
		a.declIdx[a.declared[i].Key()] = &a.declared[i]
	}
	return nil
}

// checkExpect compares the plan with the reviewed one: the same objects
// changed, at the same live revisions.
func checkExpect(plan *Plan, expect []Expectation, live map[Key]*Object) error {
	want := make(map[Key]int64, len(expect))
	for _, e := range expect {
		want[Key{Kind: e.Kind, Name: e.Name}] = e.Revision
	}
	for _, c := range plan.Changes {
		rev, ok := want[c.Key()]
		switch {
		case !ok:
			return &ConflictError{Key: c.Key(), Actual: c.Revision,
				Detail: fmt.Sprintf("the reviewed plan did not %s it; review the new plan and apply again", c.Action)}
		case rev != c.Revision:
			return revisionConflict(c.Key(), rev, c.Revision)
		}
		delete(want, c.Key())
	}
	for _, e := range expect {
		k := Key{Kind: e.Kind, Name: e.Name}
		if _, left := want[k]; !left {
			continue
		}
		var now int64
		if o := live[k]; o != nil {
			now = o.Revision
		}
		if now != e.Revision {
			return revisionConflict(k, e.Revision, now)
		}
		return &ConflictError{Key: k, Expected: e.Revision, Actual: now,
			Detail: "the reviewed plan changed it, but it needs no change now; review the new plan and apply again"}
	}
	return nil
}

// revisionConflict explains an object whose revision moved under a plan.
func revisionConflict(k Key, expected, actual int64) *ConflictError {
	e := &ConflictError{Key: k, Expected: expected, Actual: actual}
	switch {
	case expected == 0:
		e.Detail = fmt.Sprintf("was created by someone else since the plan was made (now revision %d); review the new plan and apply again", actual)
	case actual == 0:
		e.Detail = fmt.Sprintf("was deleted by someone else since the plan was made (revision %d); review the new plan and apply again", expected)
	}
	return e
}

// warnings notes declared Credentials whose secret was never stored.
func (a *applier) warnings() error {
	creds, err := a.tx.ListCredentials()
	if err != nil {
		return fmt.Errorf("inventory: read credentials: %w", err)
	}
	have := make(map[string]bool, len(creds))
	for _, c := range creds {
		have[c.Name] = true
	}
	for _, o := range a.declared {
		if o.Kind == KindCredentials && !have[o.Metadata.Name] {
			a.plan.Warnings = append(a.plan.Warnings, fmt.Sprintf(
				"Credentials %[1]s: no secret stored yet; run: slipway create credentials %[1]s --username U --password-stdin",
				o.Metadata.Name))
		}
	}
	return nil
}

// writeObjects writes every change to the objects table in plan order.
func (a *applier) writeObjects() error {
	if a.opts.DryRun {
		return nil
	}
	for _, c := range a.plan.Changes {
		var err error
		switch c.Action {
		case ActionCreate, ActionUpdate:
			var so store.Object
			if so, err = ToStored(*a.declIdx[c.Key()]); err != nil {
				return err
			}
			if c.Action == ActionCreate {
				err = a.tx.CreateObject(&so)
			} else {
				err = a.tx.UpdateObject(&so, c.Revision)
			}
		case ActionDelete:
			err = a.tx.DeleteObject(string(c.Kind), c.Name, c.Revision)
		}
		if err != nil {
			return storeConflict(c.Key(), c.Revision, err)
		}
	}
	return nil
}

// storeConflict turns a store ErrConflict or ErrNotFound (another writer
// got there first) into a ConflictError naming the object.
func storeConflict(k Key, rev int64, err error) error {
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return &ConflictError{Key: k, Expected: rev,
			Detail: fmt.Sprintf("changed by someone else while applying (%v); review the new plan and apply again", err)}
	}
	return fmt.Errorf("inventory: write %s: %w", k, err)
}

// recordApply writes the appliance-wide inventory.apply event.
func (a *applier) recordApply() error {
	if a.opts.DryRun || a.plan.Empty() {
		return nil
	}
	type changed struct {
		Action   Action `json:"action"`
		Kind     Kind   `json:"kind"`
		Name     string `json:"name"`
		Revision int64  `json:"revision"`
	}
	data := struct {
		Files   []string  `json:"files"`
		Changes []changed `json:"changes"`
	}{Files: a.files}
	for _, c := range a.plan.Changes {
		data.Changes = append(data.Changes, changed{c.Action, c.Kind, c.Name, c.Revision})
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("inventory: encode apply event: %w", err)
	}
	ev := &store.Event{Type: "inventory.apply", Reason: "inventory", Actor: a.opts.Actor, Data: raw,
		Message: fmt.Sprintf("%s (%s)", a.plan.Summary(), strings.Join(a.files, ", "))}
	if err := a.tx.AppendEvent(ev); err != nil {
		return fmt.Errorf("inventory: record apply: %w", err)
	}
	return nil
}
