package machine

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/slipway-dev/slipway/internal/store"
)

// Cause says why a transition happens and who asked for it.
type Cause struct {
	// Reason is a short machine-readable word ("inventory", "timeout",
	// "restart", "operator").
	Reason string
	// Message is the human explanation (required for Fail).
	Message string
	// Actor is token:<name>, user:<name>, agent or system.
	Actor string
}

// Transition applies trigger t to machine name inside tx: it checks the table,
// writes the new state and an event of type "state" with the time, cause and
// actor. It returns the updated machine.
func Transition(tx *store.Tx, name string, t Trigger, c Cause) (store.Machine, error) {
	m, err := tx.GetMachine(name)
	if err != nil {
		return store.Machine{}, fmt.Errorf("machine %s: %w", name, err)
	}
	if err := Apply(tx, &m, t, c); err != nil {
		return store.Machine{}, err
	}
	return m, nil
}

// Apply is Transition on a machine already read in tx; m is updated in place.
func Apply(tx *store.Tx, m *store.Machine, t Trigger, c Cause) error {
	from := State(m.State)
	to, err := Next(from, t, State(m.HeldFrom))
	if err != nil {
		return fmt.Errorf("machine %s: %w", m.Name, err)
	}
	if t == Fail && c.Message == "" {
		return fmt.Errorf("machine %s: fail needs a reason", m.Name)
	}
	rev := m.Revision
	switch {
	case to == Failed:
		m.FailedStage = string(from)
		m.StateReason = c.Message
	case to == Maintenance:
		m.HeldFrom = string(from)
		m.StateReason = c.Message
	default:
		m.FailedStage, m.StateReason = "", c.Message
	}
	if from == Maintenance {
		m.HeldFrom = ""
	}
	m.State = string(to)
	m.Phase = ""
	m.StateChangedAt = tx.Now()
	if err := tx.UpdateMachine(m, rev); err != nil {
		return fmt.Errorf("machine %s: %s → %s: %w", m.Name, from, to, err)
	}
	ev := &store.Event{
		Machine: m.Name, Type: "state", Reason: c.Reason, Message: c.Message,
		Cause: string(t), Actor: c.Actor, From: string(from), To: string(to),
	}
	if err := tx.AppendEvent(ev); err != nil {
		return fmt.Errorf("machine %s: record %s → %s: %w", m.Name, from, to, err)
	}
	return nil
}

// Create inserts a new machine in state (Registered for declared machines,
// Discovered for unknown MACs) and records the event that created it.
func Create(tx *store.Tx, m *store.Machine, state State, c Cause) error {
	if state != Registered && state != Discovered {
		return fmt.Errorf("machine %s: a new machine starts registered or discovered, not %s", m.Name, state)
	}
	m.State = string(state)
	if m.Power == "" {
		m.Power = "unknown"
	}
	m.StateChangedAt = tx.Now()
	if err := tx.CreateMachine(m); err != nil {
		return fmt.Errorf("machine %s: %w", m.Name, err)
	}
	ev := &store.Event{
		Machine: m.Name, Type: "state", Reason: c.Reason, Message: c.Message,
		Cause: string(Register), Actor: c.Actor, To: string(state),
	}
	if state == Discovered {
		ev.Cause = string(Discover)
	}
	return tx.AppendEvent(ev)
}

// Recover is run once at start-up: every machine left in a transient state is
// resumed with an event saying so (the agent or the OS calls back on its
// own, and the journey worker carries out any BMC step the stop
// interrupted); its state's timeout fails it if nothing comes, so no
// machine stays stuck because the appliance stopped. It returns how many
// machines it touched.
func Recover(ctx context.Context, db *store.DB, log *slog.Logger) (int, error) {
	n := 0
	err := db.Update(ctx, func(tx *store.Tx) error {
		n = 0
		ms, err := tx.ListMachines(store.MachineFilter{})
		if err != nil {
			return err
		}
		for i := range ms {
			touched, err := recoverOne(tx, &ms[i])
			if err != nil {
				return err
			}
			if touched {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recover machines: %w", err)
	}
	if n > 0 {
		log.Info("recovered machines left in transient states", "count", n)
	}
	return n, nil
}

func recoverOne(tx *store.Tx, m *store.Machine) (bool, error) {
	s := State(m.State)
	switch s.Recovery() {
	case Resume:
		ev := &store.Event{
			Machine: m.Name, Type: "recovery", Reason: "restart", Actor: "system",
			Message: fmt.Sprintf("appliance restarted while %s; resuming (the machine calls back on its own; it fails after %s without progress)", s, s.Timeout()),
			From:    string(s), To: string(s),
		}
		return true, tx.AppendEvent(ev)
	}
	return false, nil
}
