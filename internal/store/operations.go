package store

import (
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
)

const operationKind = "operation"

const operationColumns = "id, machine, action, params, status, message, actor, created_at, updated_at"

func operationReader() rowReader[Operation] {
	var (
		op               Operation
		params           []byte
		created, updated int64
	)
	return rowReader[Operation]{
		dest: []any{&op.ID, &op.Machine, &op.Action, &params, &op.Status, &op.Message, &op.Actor, &created, &updated},
		read: func() (Operation, error) {
			v := op
			v.Params = nil
			if len(params) > 0 {
				v.Params = params
			}
			v.CreatedAt, v.UpdatedAt = fromNanos(created), fromNanos(updated)
			return v, nil
		},
	}
}

// CreateOperation inserts op. An empty ID is set to a random one, an empty
// Status to pending; the times are the transaction's. A taken ID is
// ErrConflict.
func (tx *Tx) CreateOperation(op *Operation) error {
	if err := tx.writable(); err != nil {
		return err
	}
	params, err := rawJSON("params", op.Params)
	if err != nil {
		return fmt.Errorf("create operation %s on %s: %w", op.Action, op.Machine, err)
	}
	if op.ID == "" {
		op.ID = "op-" + rand.Text()
	}
	if op.Status == "" {
		op.Status = OpPending
	}
	now := toNanos(tx.now)
	ok, err := tx.execOne("INSERT INTO operations ("+operationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT DO NOTHING", op.ID, op.Machine, op.Action, params, op.Status, op.Message, op.Actor,
		now, now)
	switch {
	case err != nil:
		return failed("create", operationKind, op.ID, err)
	case !ok:
		return alreadyExists(operationKind, op.ID)
	}
	op.CreatedAt, op.UpdatedAt = tx.now, tx.now
	return nil
}

// UpdateOperation writes op's status and message (and sets its UpdatedAt),
// or returns ErrNotFound.
func (tx *Tx) UpdateOperation(op *Operation) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if op.ID == "" {
		return fmt.Errorf("update operation: %w", errNoID)
	}
	var created int64
	err := tx.queryRow("UPDATE operations SET status = ?, message = ?, updated_at = ? WHERE id = ?"+
		" RETURNING created_at", op.Status, op.Message, toNanos(tx.now), op.ID).Scan(&created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound(operationKind, op.ID)
	case err != nil:
		return failed("update", operationKind, op.ID, err)
	}
	op.CreatedAt, op.UpdatedAt = fromNanos(created), tx.now
	return nil
}

// GetOperation returns an operation or ErrNotFound.
func (tx *Tx) GetOperation(id string) (Operation, error) {
	op, err := getOne(tx, operationReader(), "SELECT "+operationColumns+" FROM operations WHERE id = ?", id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Operation{}, notFound(operationKind, id)
	case err != nil:
		return Operation{}, fmt.Errorf("get operation %s: %w", id, err)
	}
	return op, nil
}

// ListOperations returns a machine's operations ("" for all), newest last:
// the newest limit ones when limit > 0, else all.
func (tx *Tx) ListOperations(machine string, limit int) ([]Operation, error) {
	q, args := "SELECT "+operationColumns+" FROM operations", []any{}
	if machine != "" {
		q, args = q+" WHERE machine = ?", append(args, machine)
	}
	if limit > 0 {
		q, args = q+" ORDER BY seq DESC LIMIT ?", append(args, limit)
	} else {
		q += " ORDER BY seq"
	}
	rows, err := tx.query(q, args...)
	ops, err := collect(rows, err, max(limit, 0), operationReader())
	if err != nil {
		return nil, fmt.Errorf("list operations of %q: %w", machine, err)
	}
	if limit > 0 {
		reverse(ops)
	}
	return ops, nil
}

var opIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewOperationID returns a fresh operation ID (op_ and 16 base32 letters),
// for the API's actions and the journey worker's BMC steps alike.
func NewOperationID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "op_" + opIDEncoding.EncodeToString(b)
}
