package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

const eventColumns = "time, machine, type, reason, message, cause, actor, from_state, to_state, data"

func eventReader() rowReader[Event] {
	var (
		e    Event
		t    int64
		data []byte
	)
	return rowReader[Event]{
		dest: []any{&e.ID, &t, &e.Machine, &e.Type, &e.Reason, &e.Message, &e.Cause, &e.Actor, &e.From, &e.To, &data},
		read: func() (Event, error) {
			v := e
			v.Time, v.Data = fromNanos(t), nil
			if len(data) > 0 {
				v.Data = data
			}
			return v, nil
		},
	}
}

// AppendEvent appends e, setting its ID and (when zero) its Time.
// Subscribers are notified when the transaction commits.
func (tx *Tx) AppendEvent(e *Event) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if e.Type == "" {
		return fmt.Errorf("append event (machine %q): type is required", e.Machine)
	}
	data, err := rawJSON("data", e.Data)
	if err != nil {
		return fmt.Errorf("append event %s: %w", e.Type, err)
	}
	if e.Time.IsZero() {
		e.Time = tx.now
	}
	e.Time = e.Time.UTC()
	err = tx.queryRow("INSERT INTO events ("+eventColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" RETURNING id", toNanos(e.Time), e.Machine, e.Type, e.Reason, e.Message, e.Cause, e.Actor,
		e.From, e.To, data).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("append event %s (machine %q): %w", e.Type, e.Machine, err)
	}
	tx.appended = true
	return nil
}

// ListEvents returns events matching f in ascending ID order. Limit defaults
// to 500 and is at most 10000.
func (tx *Tx) ListEvents(f EventFilter) ([]Event, error) {
	var (
		where []string
		args  []any
	)
	if f.Machine != "" {
		where, args = append(where, "machine = ?"), append(args, f.Machine)
	}
	switch {
	case strings.HasSuffix(f.Type, "."):
		// substr counts characters on both databases; LIKE would treat _
		// and % specially and ignore case on SQLite.
		where = append(where, "substr(type, 1, ?) = ?")
		args = append(args, utf8.RuneCountInString(f.Type), f.Type)
	case f.Type != "":
		where, args = append(where, "type = ?"), append(args, f.Type)
	}
	if f.AfterID > 0 {
		where, args = append(where, "id > ?"), append(args, f.AfterID)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	q := "SELECT id, " + eventColumns + " FROM events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY id"
	if f.BeforeID > 0 {
		order = " ORDER BY id DESC"
	}
	limit := listLimit(f.Limit)
	rows, err := tx.query(q+order+" LIMIT ?", append(args, limit)...)
	events, err := collect(rows, err, min(limit, 1000), eventReader())
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	if f.BeforeID > 0 {
		reverse(events)
	}
	return events, nil
}

const auditColumns = "time, actor, action, target, result, status, detail"

// AppendAudit appends a, setting its ID and (when zero) its Time.
func (tx *Tx) AppendAudit(a *Audit) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if a.Time.IsZero() {
		a.Time = tx.now
	}
	a.Time = a.Time.UTC()
	err := tx.queryRow("INSERT INTO audit ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		toNanos(a.Time), a.Actor, a.Action, a.Target, a.Result, a.Status, a.Detail).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("append audit %s by %s: %w", a.Action, a.Actor, err)
	}
	return nil
}

// ListAudit returns audit rows matching f in ascending ID order. Limit
// defaults to 500 and is at most 10000.
func (tx *Tx) ListAudit(f AuditFilter) ([]Audit, error) {
	q, args := "SELECT id, "+auditColumns+" FROM audit WHERE id > ?", []any{max(f.AfterID, 0)}
	if f.Actor != "" {
		q, args = q+" AND actor = ?", append(args, f.Actor)
	}
	rows, err := tx.query(q+" ORDER BY id LIMIT ?", append(args, listLimit(f.Limit))...)
	var (
		a Audit
		t int64
	)
	out, err := collect(rows, err, 0, rowReader[Audit]{
		dest: []any{&a.ID, &t, &a.Actor, &a.Action, &a.Target, &a.Result, &a.Status, &a.Detail},
		read: func() (Audit, error) {
			v := a
			v.Time = fromNanos(t)
			return v, nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}

// errNoID is the error of a write that needs an ID it was not given.
var errNoID = errors.New("id is required")
