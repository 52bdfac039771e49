package bmc

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// Event types the package writes.
const (
	EventPowerRequested = "power.requested"
	EventPowerVerified  = "power.verified"
	EventPowerChanged   = "power.changed" // seen by power sync, made outside Slipway
	EventBootdevSet     = "bootdev.set"
	EventMediaInserted  = "media.inserted"
	EventMediaEjected   = "media.ejected"
	EventBMCError       = "bmc.error"
	EventUnreachable    = "bmc.unreachable"
	EventReachable      = "bmc.reachable"
	EventInventory      = "bmc.inventory"
	EventSEL            = "bmc.sel"
)

// ConditionUnreachable is set on a machine whose BMC stopped answering.
const ConditionUnreachable = "bmc-unreachable"

// writeTimeout bounds a store write made after the operation's own context
// ended (the outcome is still recorded).
const writeTimeout = 10 * time.Second

// recorder writes one machine's events and status.
type recorder struct {
	db      *store.DB
	log     *slog.Logger
	machine string
	actor   string
	cause   string
	opID    string
}

func (r *recorder) update(ctx context.Context, fn func(*store.Tx) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if err := r.db.Update(ctx, fn); err != nil {
		r.log.Error("bmc: record", "machine", r.machine, "err", err)
	}
}

func (r *recorder) newEvent(typ, reason, msg string, data map[string]any) *store.Event {
	if r.opID != "" {
		if data == nil {
			data = map[string]any{}
		}
		data["operation"] = r.opID
	}
	e := &store.Event{Machine: r.machine, Type: typ, Reason: reason, Message: msg, Cause: r.cause, Actor: r.actor}
	if len(data) > 0 {
		e.Data, _ = json.Marshal(data) // maps of plain values always encode
	}
	return e
}

// event appends one event.
func (r *recorder) event(ctx context.Context, typ, reason, msg string, data map[string]any) {
	r.update(ctx, func(tx *store.Tx) error { return tx.AppendEvent(r.newEvent(typ, reason, msg, data)) })
}

// progress writes what the running operation is doing into its message.
func (r *recorder) progress(ctx context.Context, msg string) {
	if r.opID == "" {
		return
	}
	r.update(ctx, func(tx *store.Tx) error {
		return tx.UpdateOperation(&store.Operation{ID: r.opID, Status: store.OpRunning, Message: msg})
	})
}

// setPower records the machine's power state (no write when unchanged).
func (r *recorder) setPower(ctx context.Context, state string) {
	r.update(ctx, func(tx *store.Tx) error { return setMachinePower(tx, r.machine, state) })
}

func setMachinePower(tx *store.Tx, name, state string) error {
	m, err := tx.GetMachine(name)
	if err != nil || m.Power == state {
		return err
	}
	m.Power = state
	return tx.UpdateMachine(&m, m.Revision)
}

// setCondition adds or replaces a condition (keeping Since when the
// condition was already there); clearCondition removes it. Both report
// whether the machine changed.
func setCondition(tx *store.Tx, name string, c store.Condition) (bool, error) {
	m, err := tx.GetMachine(name)
	if err != nil {
		return false, err
	}
	added := true
	if i := slices.IndexFunc(m.Conditions, func(x store.Condition) bool { return x.Type == c.Type }); i >= 0 {
		c.Since, added = m.Conditions[i].Since, false
		m.Conditions[i] = c
	} else {
		m.Conditions = append(m.Conditions, c)
	}
	return added, tx.UpdateMachine(&m, m.Revision)
}

func clearCondition(tx *store.Tx, name, typ string) (bool, error) {
	m, err := tx.GetMachine(name)
	if err != nil {
		return false, err
	}
	n := len(m.Conditions)
	m.Conditions = slices.DeleteFunc(m.Conditions, func(x store.Condition) bool { return x.Type == typ })
	if len(m.Conditions) == n {
		return false, nil
	}
	return true, tx.UpdateMachine(&m, m.Revision)
}
