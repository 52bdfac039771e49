package inventory

import (
	"context"

	"github.com/slipway-dev/slipway/internal/store"
)

// File is one inventory file as sent to the server: its name (for error
// messages) and its YAML content.
type File struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// ReadPaths reads the .yaml/.yml files named by paths (files, or directories
// walked recursively in lexical order). It is used client-side by the CLI.
func ReadPaths(paths []string) ([]File, error) { return readPaths(paths) }

// Decode parses one multi-document YAML file strictly: unknown apiVersion,
// kind or field, duplicate keys and type mismatches are FieldErrors with the
// file, object and field path. Empty documents are skipped. The error, when
// not nil, is an ErrorList.
func Decode(file string, data []byte) ([]Object, error) { return decodeFile(file, data) }

// DecodeFiles decodes every file and returns all objects or all errors.
func DecodeFiles(files []File) ([]Object, error) {
	var (
		objs []Object
		errs ErrorList
	)
	for _, f := range files {
		o, err := Decode(f.Name, []byte(f.Content))
		if l, ok := AsErrorList(err); ok {
			errs = append(errs, l...)
		} else if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return objs, nil
}

// Validate checks each object (names, MAC syntax, CIDRs, ranges inside
// subnets, sha256 syntax, enums) and the set together (duplicate names and
// MACs, duplicate IPs, references that do not resolve). References resolve
// against objs and, for kinds/names objs does not declare, against others
// (the live objects that stay; nil when none).
func Validate(objs []Object, others []Object) ErrorList { return validate(objs, others) }

// FromStored converts a stored object to an inventory object.
func FromStored(o store.Object) (Object, error) { return fromStored(o) }

// ToStored converts an inventory object to its stored form (canonical spec JSON).
func ToStored(o Object) (store.Object, error) { return toStored(o) }

// Action is what a plan does to one object.
type Action string

// Plan actions. (Named Action* so that Delete can be the function that
// deletes one object.)
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// FieldChange is one changed leaf field of an update (Old/New nil when the
// field is absent on that side).
type FieldChange struct {
	Path string `json:"path"` // spec.bmc.address, metadata.labels.rack
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}

// Change is one object the plan touches.
type Change struct {
	Action Action `json:"action"`
	Kind   Kind   `json:"kind"`
	Name   string `json:"name"`
	// Revision is the live revision the plan was computed against (0 for create).
	Revision int64         `json:"revision"`
	Fields   []FieldChange `json:"fields,omitempty"`
	// Diff is a unified diff of the object's YAML, live → declared, as kubectl diff prints it.
	Diff string `json:"diff"`
}

// Key returns the changed object's identity.
func (c Change) Key() Key { return Key{Kind: c.Kind, Name: c.Name} }

// Plan is the set of changes that makes the store equal the declared set.
// Changes are ordered: creates and updates in Kinds order, deletes in reverse.
type Plan struct {
	Changes   []Change `json:"changes"`
	Unchanged int      `json:"unchanged"`
	Warnings  []string `json:"warnings,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Summary is one line: "Plan: 2 to create, 1 to update, 0 to delete." or "No changes.".
func (p *Plan) Summary() string { return summary(p) }

// ComputePlan compares declared with live. With prune, live objects absent
// from declared are deleted; without, they are left alone. It is pure.
func ComputePlan(declared, live []Object, prune bool) (*Plan, error) {
	return computePlan(declared, live, prune)
}

// Expectation is a revision the client saw in the plan it reviewed.
type Expectation struct {
	Kind     Kind   `json:"kind"`
	Name     string `json:"name"`
	Revision int64  `json:"revision"` // 0: the object did not exist
}

// ApplyOptions controls Apply.
type ApplyOptions struct {
	Prune  bool
	DryRun bool
	// Expect, when not nil, is the reviewed plan: the apply fails with a
	// *ConflictError naming the first object whose change differs from it
	// (changed revision, or a change the reviewed plan did not have).
	Expect []Expectation
	Actor  string
}

// Apply decodes and validates files, plans against the live objects and, in
// one transaction (all or nothing), writes the changes: objects with their
// revisions, a registered machine for each new Machine (with its event),
// machine MAC updates, removed machines, and an inventory.apply event. A
// second apply of the same files is an empty plan.
func Apply(ctx context.Context, db *store.DB, files []File, opts ApplyOptions) (*Plan, error) {
	return apply(ctx, db, files, opts)
}

// Delete deletes one declared object if its revision is expect (0: any):
// a *ConflictError when the revision differs or when another object still
// refers to it, store.ErrNotFound (wrapped) when it does not exist. Deleting
// a Machine removes its machine row too. The deletion is an event.
func Delete(ctx context.Context, db *store.DB, key Key, expect int64, actor string) error {
	return deleteObject(ctx, db, key, expect, actor)
}

// Expectations returns the revisions a client sends back to apply exactly p.
func (p *Plan) Expectations() []Expectation {
	out := make([]Expectation, 0, len(p.Changes))
	for _, c := range p.Changes {
		out = append(out, Expectation{Kind: c.Kind, Name: c.Name, Revision: c.Revision})
	}
	return out
}
