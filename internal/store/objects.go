package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// objectColumns are the columns an object is read from (see doc.go).
const objectColumns = "doc, spec"

func encodeObject(o *Object) []byte {
	w := newDocWriter(64 + 32*len(o.Labels))
	w.str(o.Kind)
	w.str(o.Name)
	w.int(int64(len(o.Labels)))
	keys := make([]string, 0, len(o.Labels))
	for k := range o.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.str(k)
		w.str(o.Labels[k])
	}
	w.int(o.Revision)
	w.time(o.CreatedAt)
	w.time(o.UpdatedAt)
	return w.b
}

func decodeObject(doc string, spec []byte) (Object, error) {
	r := newDocReader(doc)
	o := Object{Kind: r.str(), Name: r.str()}
	if n := r.int(); n > 0 && n <= int64(len(doc)) {
		o.Labels = make(map[string]string, n)
		for range n {
			k := r.str()
			o.Labels[k] = r.str()
		}
	}
	o.Revision, o.CreatedAt, o.UpdatedAt = r.int(), r.time(), r.time()
	if r.err != nil {
		return Object{}, fmt.Errorf("object %s %s: %w", o.Kind, o.Name, r.err)
	}
	if len(spec) > 0 {
		o.Spec = spec
	}
	return o, nil
}

func objectReader() rowReader[Object] {
	var (
		doc  sql.RawBytes
		spec []byte
	)
	return rowReader[Object]{
		dest: []any{&doc, &spec},
		read: func() (Object, error) { return decodeObject(string(doc), spec) },
	}
}

// GetObject returns one object or ErrNotFound.
func (tx *Tx) GetObject(kind, name string) (Object, error) {
	o, err := getOne(tx, objectReader(), "SELECT "+objectColumns+" FROM objects WHERE kind = ? AND name = ?", kind, name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Object{}, notFound(kind, name)
	case err != nil:
		return Object{}, fmt.Errorf("get %s %s: %w", kind, name, err)
	}
	return o, nil
}

// ListObjects returns the objects of kind ("" for all kinds) ordered by kind, name.
func (tx *Tx) ListObjects(kind string) ([]Object, error) {
	cond, args := "", []any{}
	if kind != "" {
		cond, args = " WHERE kind = ?", append(args, kind)
	}
	size, err := tx.count("objects", cond, args...)
	if err != nil {
		return nil, fmt.Errorf("list objects %q: %w", kind, err)
	}
	rows, err := tx.query("SELECT "+objectColumns+" FROM objects"+cond+" ORDER BY kind, name", args...)
	objs, err := collect(rows, err, size, objectReader())
	if err != nil {
		return nil, fmt.Errorf("list objects %q: %w", kind, err)
	}
	return objs, nil
}

// CreateObject inserts o with revision 1 (set on o, with its times); an
// existing object is ErrConflict.
func (tx *Tx) CreateObject(o *Object) error {
	if err := tx.writesInventory(o.Kind, o.Name); err != nil {
		return err
	}
	if o.Kind == "" || o.Name == "" {
		return fmt.Errorf("create object %q %q: kind and name are required", o.Kind, o.Name)
	}
	spec, err := rawJSON("spec", o.Spec)
	if err != nil {
		return fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	n := *o
	n.Revision, n.CreatedAt, n.UpdatedAt = 1, tx.now, tx.now
	now := toNanos(tx.now)
	ok, err := tx.execOne("INSERT INTO objects (kind, name, revision, created_at, updated_at, doc, spec)"+
		" VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING", n.Kind, n.Name, now, now, encodeObject(&n), spec)
	switch {
	case err != nil:
		return failed("create", o.Kind, o.Name, err)
	case !ok:
		return alreadyExists(o.Kind, o.Name)
	}
	*o = n
	return nil
}

// UpdateObject replaces o's labels and spec if the stored revision equals
// expect, bumping the revision (written back to o); otherwise ErrConflict
// (ErrNotFound when absent).
func (tx *Tx) UpdateObject(o *Object, expect int64) error {
	if err := tx.writesInventory(o.Kind, o.Name); err != nil {
		return err
	}
	spec, err := rawJSON("spec", o.Spec)
	if err != nil {
		return fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	created, err := tx.checkRevision(o.Kind, o.Name, expect,
		"SELECT revision, created_at FROM objects WHERE kind = ? AND name = ?", o.Kind, o.Name)
	if err != nil {
		return err
	}
	n := *o
	n.Revision, n.CreatedAt, n.UpdatedAt = expect+1, created, tx.now
	ok, err := tx.execOne("UPDATE objects SET revision = ?, updated_at = ?, doc = ?, spec = ?"+
		" WHERE kind = ? AND name = ? AND revision = ?",
		n.Revision, toNanos(tx.now), encodeObject(&n), spec, o.Kind, o.Name, expect)
	switch {
	case err != nil:
		return failed("update", o.Kind, o.Name, err)
	case !ok:
		return tx.whyUnchanged(o.Kind, o.Name, expect,
			"SELECT revision, created_at FROM objects WHERE kind = ? AND name = ?", o.Kind, o.Name)
	}
	*o = n
	return nil
}

// DeleteObject deletes the object if its revision equals expect (0: any).
func (tx *Tx) DeleteObject(kind, name string, expect int64) error {
	if err := tx.writesInventory(kind, name); err != nil {
		return err
	}
	q, args := "DELETE FROM objects WHERE kind = ? AND name = ?", []any{kind, name}
	if expect != 0 {
		q, args = q+" AND revision = ?", append(args, expect)
	}
	ok, err := tx.execOne(q, args...)
	switch {
	case err != nil:
		return failed("delete", kind, name, err)
	case !ok:
		return tx.whyUnchanged(kind, name, expect,
			"SELECT revision, created_at FROM objects WHERE kind = ? AND name = ?", kind, name)
	}
	return nil
}
