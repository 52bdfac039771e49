package inventory

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
)

func summary(p *Plan) string {
	if p.Empty() {
		return "No changes."
	}
	var n [3]int
	for _, c := range p.Changes {
		switch c.Action {
		case ActionCreate:
			n[0]++
		case ActionUpdate:
			n[1]++
		case ActionDelete:
			n[2]++
		}
	}
	return fmt.Sprintf("Plan: %d to create, %d to update, %d to delete.", n[0], n[1], n[2])
}

func computePlan(declared, live []Object, prune bool) (*Plan, error) {
	liveIdx := make(map[Key]*Object, len(live))
	for i := range live {
		liveIdx[live[i].Key()] = &live[i]
	}
	declIdx := make(map[Key]*Object, len(declared))
	plan := &Plan{Changes: []Change{}}
	for i := range declared {
		d := &declared[i]
		if first, dup := declIdx[d.Key()]; dup {
			return nil, ErrorList{{File: d.Source.File, Kind: d.Kind, Name: d.Metadata.Name, Field: "metadata.name",
				Line: d.Source.Line, Message: fmt.Sprintf("%s is declared twice (first in %s)", d.Key(), where(first))}}
		}
		declIdx[d.Key()] = d
		c, err := changeOf(liveIdx[d.Key()], d)
		if err != nil {
			return nil, err
		}
		if c == nil {
			plan.Unchanged++
			continue
		}
		plan.Changes = append(plan.Changes, *c)
	}
	if prune {
		for i := range live {
			if _, ok := declIdx[live[i].Key()]; ok {
				continue
			}
			c, err := changeOf(&live[i], nil)
			if err != nil {
				return nil, err
			}
			plan.Changes = append(plan.Changes, *c)
		}
	}
	if err := checkDeletes(plan, declared, live); err != nil {
		return nil, err
	}
	sortChanges(plan.Changes)
	return plan, nil
}

// changeOf compares a live object with its declared form (either may be
// nil) and returns the change, or nil when they are equal.
func changeOf(live, declared *Object) (*Change, error) {
	var (
		lr, dr       *rendered
		ltext, dtext string
		err          error
	)
	if live != nil && declared != nil {
		if same, err := sameObject(live, declared); err != nil || same {
			return nil, err
		}
	}
	c := &Change{}
	if live != nil {
		if lr, ltext, err = renderText(live); err != nil {
			return nil, err
		}
		c.Kind, c.Name, c.Revision, c.Action = live.Kind, live.Metadata.Name, live.Revision, ActionDelete
	}
	if declared != nil {
		if dr, dtext, err = renderText(declared); err != nil {
			return nil, err
		}
		c.Kind, c.Name, c.Action = declared.Kind, declared.Metadata.Name, ActionCreate
	}
	if live != nil && declared != nil {
		c.Action = ActionUpdate
		c.Fields = fieldChanges(lr.leaves, dr.leaves)
		if len(c.Fields) == 0 {
			return nil, nil
		}
	}
	name := string(c.Kind) + "/" + c.Name
	c.Diff = unifiedDiff("live/"+name, "declared/"+name, ltext, dtext)
	return c, nil
}

// sameObject is the quick equality test (labels and canonical spec) that
// spares rendering the unchanged objects of a plan.
func sameObject(a, b *Object) (bool, error) {
	if !maps.Equal(a.Metadata.Labels, b.Metadata.Labels) {
		return false, nil
	}
	sa, err := a.SpecJSON()
	if err != nil {
		return false, err
	}
	sb, err := b.SpecJSON()
	if err != nil {
		return false, err
	}
	return bytes.Equal(sa, sb), nil
}

func renderText(o *Object) (*rendered, string, error) {
	r, err := render(o)
	if err != nil {
		return nil, "", err
	}
	text, err := r.text()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", o.Key(), err)
	}
	return r, text, nil
}

// fieldChanges compares leaves by path: declared order first, then the
// paths only the live object has.
func fieldChanges(live, declared []leaf) []FieldChange {
	old := make(map[string]any, len(live))
	for _, l := range live {
		old[l.path] = l.value
	}
	var out []FieldChange
	seen := make(map[string]bool, len(declared))
	for _, d := range declared {
		seen[d.path] = true
		o, ok := old[d.path]
		if ok && o == d.value {
			continue
		}
		out = append(out, FieldChange{Path: d.path, Old: o, New: d.value})
	}
	for _, l := range live {
		if !seen[l.path] {
			out = append(out, FieldChange{Path: l.path, Old: l.value})
		}
	}
	return out
}

// checkDeletes refuses a plan that deletes an object a remaining object
// still refers to.
func checkDeletes(plan *Plan, declared, live []Object) error {
	deleted := map[Key]bool{}
	for _, c := range plan.Changes {
		if c.Action == ActionDelete {
			deleted[c.Key()] = true
		}
	}
	if len(deleted) == 0 {
		return nil
	}
	var errs ErrorList
	remaining := make([]*Object, 0, len(declared))
	for i := range declared {
		remaining = append(remaining, &declared[i])
	}
	for i := range live {
		if !deleted[live[i].Key()] {
			remaining = append(remaining, &live[i])
		}
	}
	seen := map[Key]bool{}
	for _, o := range remaining {
		if seen[o.Key()] {
			continue // a declared object shadows its live form
		}
		seen[o.Key()] = true
		for _, r := range refsOf(o) {
			if deleted[r.Target] {
				errs = append(errs, &FieldError{File: o.Source.File, Kind: o.Kind, Name: o.Metadata.Name,
					Field: r.Field, Line: o.Source.lineOf(r.Field),
					Message: fmt.Sprintf("refers to %s, which this plan deletes (it is no longer declared)", r.Target)})
			}
		}
	}
	return errs.Err()
}

// kindIndex is k's position in Kinds.
func kindIndex(k Kind) int { return slices.Index(Kinds, k) }

// sortChanges orders creates and updates by kind (Kinds order) and name,
// then deletes in reverse kind order.
func sortChanges(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int {
		ad, bd := a.Action == ActionDelete, b.Action == ActionDelete
		switch {
		case ad != bd && ad:
			return 1
		case ad != bd:
			return -1
		case ad:
			return cmp.Or(cmp.Compare(kindIndex(b.Kind), kindIndex(a.Kind)), cmp.Compare(a.Name, b.Name))
		}
		return cmp.Or(cmp.Compare(kindIndex(a.Kind), kindIndex(b.Kind)), cmp.Compare(a.Name, b.Name))
	})
}
