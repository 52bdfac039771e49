package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

const objectColumns = "kind, name, labels, spec, revision, created_at, updated_at"

func scanObject(sc scanner) (Object, error) {
	var (
		o                Object
		labels, spec     []byte
		created, updated int64
	)
	if err := sc.Scan(&o.Kind, &o.Name, &labels, &spec, &o.Revision, &created, &updated); err != nil {
		return Object{}, err
	}
	if len(labels) > 0 {
		if err := json.Unmarshal(labels, &o.Labels); err != nil {
			return Object{}, fmt.Errorf("%s %s: labels: %w", o.Kind, o.Name, err)
		}
	}
	if len(spec) > 0 {
		o.Spec = spec
	}
	o.CreatedAt, o.UpdatedAt = fromNanos(created), fromNanos(updated)
	return o, nil
}

// objectValues encodes o's JSON columns.
func objectValues(o *Object) (labels, spec any, err error) {
	if labels, err = marshalJSON("labels", o.Labels, len(o.Labels) == 0); err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	if spec, err = rawJSON("spec", o.Spec); err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	return labels, spec, nil
}

// GetObject returns one object or ErrNotFound.
func (tx *Tx) GetObject(kind, name string) (Object, error) {
	o, err := scanObject(tx.queryRow(
		"SELECT "+objectColumns+" FROM objects WHERE kind = ? AND name = ?", kind, name))
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
	q, args := "SELECT "+objectColumns+" FROM objects", []any{}
	if kind != "" {
		q, args = q+" WHERE kind = ?", append(args, kind)
	}
	rows, err := tx.query(q+" ORDER BY kind, name", args...)
	objs, err := collect(rows, err, scanObject)
	if err != nil {
		return nil, fmt.Errorf("list objects %q: %w", kind, err)
	}
	return objs, nil
}

// CreateObject inserts o with revision 1 (set on o, with its times); an
// existing object is ErrConflict.
func (tx *Tx) CreateObject(o *Object) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if o.Kind == "" || o.Name == "" {
		return fmt.Errorf("create object %q %q: kind and name are required", o.Kind, o.Name)
	}
	labels, spec, err := objectValues(o)
	if err != nil {
		return err
	}
	now := toNanos(tx.now)
	ok, err := tx.execOne("INSERT INTO objects ("+objectColumns+") VALUES (?, ?, ?, ?, 1, ?, ?)"+
		" ON CONFLICT DO NOTHING", o.Kind, o.Name, labels, spec, now, now)
	switch {
	case err != nil:
		return failed("create", o.Kind, o.Name, err)
	case !ok:
		return alreadyExists(o.Kind, o.Name)
	}
	o.Revision, o.CreatedAt, o.UpdatedAt = 1, tx.now, tx.now
	return nil
}

// UpdateObject replaces o's labels and spec if the stored revision equals
// expect, bumping the revision (written back to o); otherwise ErrConflict
// (ErrNotFound when absent).
func (tx *Tx) UpdateObject(o *Object, expect int64) error {
	if err := tx.writable(); err != nil {
		return err
	}
	labels, spec, err := objectValues(o)
	if err != nil {
		return err
	}
	var created int64
	err = tx.queryRow("UPDATE objects SET labels = ?, spec = ?, revision = revision + 1, updated_at = ?"+
		" WHERE kind = ? AND name = ? AND revision = ? RETURNING created_at",
		labels, spec, toNanos(tx.now), o.Kind, o.Name, expect).Scan(&created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tx.revisionMismatch(o.Kind, o.Name, expect,
			"SELECT revision FROM objects WHERE kind = ? AND name = ?", o.Kind, o.Name)
	case err != nil:
		return failed("update", o.Kind, o.Name, err)
	}
	o.Revision, o.CreatedAt, o.UpdatedAt = expect+1, fromNanos(created), tx.now
	return nil
}

// DeleteObject deletes the object if its revision equals expect (0: any).
func (tx *Tx) DeleteObject(kind, name string, expect int64) error {
	if err := tx.writable(); err != nil {
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
		return tx.revisionMismatch(kind, name, expect,
			"SELECT revision FROM objects WHERE kind = ? AND name = ?", kind, name)
	}
	return nil
}
