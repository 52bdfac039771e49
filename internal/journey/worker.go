package journey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// WorkerName is the worker's cursor name in the store.
const WorkerName = "journey"

// Executor carries out a BMC operation (bmc.Executor implements it).
type Executor interface {
	Execute(ctx context.Context, op store.Operation) error
}

// Worker follows the state changes in the event log and carries out their
// effects through the BMC: into inspecting or provisioning, a one-time
// network boot and power on (or a power cycle when on); into provisioned,
// a disk boot and a reset, then booting. Its cursor is in the store, so an
// effect interrupted by a crash is carried out after the restart (effects
// are idempotent: setting a boot device and powering on again is harmless).
type Worker struct {
	DB       *store.DB
	Executor Executor // nil: machines are powered by hand
	Log      *slog.Logger
	// Poll is how often the log is read when no change is announced.
	Poll time.Duration
}

// Run follows the log until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Poll <= 0 {
		w.Poll = 5 * time.Second
	}
	changed, unsubscribe := w.DB.Subscribe()
	defer unsubscribe()
	cursor, err := w.start(ctx)
	if err != nil {
		return err
	}
	for {
		next, err := w.batch(ctx, cursor)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("journey: follow events", "err", err)
		}
		more := next != cursor
		cursor = next
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-time.After(w.Poll):
		}
	}
}

// start returns the stored cursor; the first run starts at the end of the
// log (history before the worker existed is not replayed).
func (w *Worker) start(ctx context.Context) (int64, error) {
	var cursor int64
	err := w.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if cursor, err = tx.WorkerCursor(WorkerName); err != nil || cursor > 0 {
			return err
		}
		last, err := tx.ListEvents(store.EventFilter{BeforeID: 1 << 62, Limit: 1})
		if err != nil || len(last) == 0 {
			return err
		}
		cursor = last[0].ID
		return tx.SetWorkerCursor(WorkerName, cursor)
	})
	return cursor, err
}

// batch handles the state changes after cursor (machines in parallel, each
// machine's in order) and returns the new cursor.
func (w *Worker) batch(ctx context.Context, cursor int64) (int64, error) {
	var evs []store.Event
	err := w.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		evs, err = tx.ListEvents(store.EventFilter{Type: "state", AfterID: cursor, Limit: 200})
		return err
	})
	if err != nil || len(evs) == 0 {
		return cursor, err
	}
	byMachine := map[string][]store.Event{}
	for _, e := range evs {
		byMachine[e.Machine] = append(byMachine[e.Machine], e)
	}
	var wg sync.WaitGroup
	for _, list := range byMachine {
		wg.Go(func() {
			for _, e := range list {
				w.handle(ctx, e)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return cursor, ctx.Err()
	}
	last := evs[len(evs)-1].ID
	err = w.DB.Update(ctx, func(tx *store.Tx) error { return tx.SetWorkerCursor(WorkerName, last) })
	return last, err
}

// handle carries out the effect of one state change, if the machine is
// still in the state it entered.
func (w *Worker) handle(ctx context.Context, e store.Event) {
	to := machine.State(e.To)
	if to != machine.Inspecting && to != machine.Provisioning && to != machine.Provisioned {
		return
	}
	m, spec, err := w.current(ctx, e.Machine)
	if err != nil || m.State != e.To {
		return // gone, or moved on since
	}
	if !spec.bmc {
		w.note(ctx, m.Name, "no BMC declared: power the machine on with a network boot by hand")
		return
	}
	switch to {
	case machine.Inspecting, machine.Provisioning:
		err = w.netboot(ctx, m, spec.firmware)
	case machine.Provisioned:
		err = w.diskBoot(ctx, m, spec.firmware)
	}
	if err != nil && ctx.Err() == nil {
		w.fail(ctx, m.Name, e.To, err)
	}
}

type specFacts struct {
	bmc      bool
	firmware string
}

func (w *Worker) current(ctx context.Context, name string) (store.Machine, specFacts, error) {
	var m store.Machine
	var f specFacts
	err := w.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.GetMachine(name); err != nil {
			return err
		}
		spec, err := machineSpec(tx, name)
		f = specFacts{bmc: spec.BMC != nil && w.Executor != nil, firmware: spec.Firmware}
		return err
	})
	return m, f, err
}

// netboot sets a one-time network boot and powers the machine on (cycles
// it when it is on).
func (w *Worker) netboot(ctx context.Context, m store.Machine, firmware string) error {
	if err := w.op(ctx, m.Name, "bootdev", bootParams("pxe", firmware)); err != nil {
		return err
	}
	action := "power-on"
	if m.Power == "on" {
		action = "power-cycle"
	}
	return w.op(ctx, m.Name, action, nil)
}

// diskBoot sets a one-time disk boot, resets the machine, and records the
// machine as booting.
func (w *Worker) diskBoot(ctx context.Context, m store.Machine, firmware string) error {
	if err := w.op(ctx, m.Name, "bootdev", bootParams("disk", firmware)); err != nil {
		return err
	}
	action := "power-reset"
	if m.Power == "off" {
		action = "power-on"
	}
	if err := w.op(ctx, m.Name, action, nil); err != nil {
		return err
	}
	return w.DB.Update(ctx, func(tx *store.Tx) error {
		msg := "boot device set to disk and " + strings.TrimPrefix(action, "power-") + " done through the BMC"
		if err := tx.AppendEvent(&store.Event{Machine: m.Name, Type: agent.EventDiskBoot, Reason: "disk",
			Message: msg, Actor: "system"}); err != nil {
			return err
		}
		_, err := machine.Transition(tx, m.Name, machine.BootDisk,
			machine.Cause{Reason: "bmc", Message: msg, Actor: "system"})
		if errors.Is(err, machine.ErrTransition) {
			return nil // phoned home already, or an operator moved it
		}
		return err
	})
}

func bootParams(device, firmware string) map[string]string {
	p := map[string]string{"device": device, "mode": "uefi"}
	if firmware == "bios" {
		p["mode"] = "legacy"
	}
	return p
}

// op records and runs one BMC operation as the system actor.
func (w *Worker) op(ctx context.Context, name, action string, params map[string]string) error {
	op := store.Operation{ID: store.NewOperationID(), Machine: name, Action: action, Actor: "system", Status: store.OpRunning}
	if params != nil {
		op.Params, _ = json.Marshal(params)
	}
	if err := w.DB.Update(ctx, func(tx *store.Tx) error { return tx.CreateOperation(&op) }); err != nil {
		return err
	}
	err := w.Executor.Execute(ctx, op)
	op.Status, op.Message = store.OpSucceeded, ""
	if err != nil {
		op.Status, op.Message = store.OpFailed, err.Error()
	}
	werr := w.DB.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.UpdateOperation(&op) })
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	return werr
}

// fail fails the machine's step with the BMC's reason (when it is still in it).
func (w *Worker) fail(ctx context.Context, name, state string, cause error) {
	err := w.DB.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		m, err := tx.GetMachine(name)
		if err != nil || m.State != state {
			return err
		}
		msg := "BMC: " + cause.Error()
		if state == string(machine.Provisioned) {
			// provisioned is stable and cannot fail: the disk boot is
			// reported and the operator retries it (power on with disk)
			return tx.AppendEvent(&store.Event{Machine: name, Type: "bmc.error", Reason: "disk-boot", Message: msg, Actor: "system"})
		}
		_, err = machine.Transition(tx, name, machine.Fail, machine.Cause{Reason: "bmc", Message: msg, Actor: "system"})
		return err
	})
	if err != nil {
		w.Log.Error("journey: record BMC failure", "machine", name, "err", err)
	}
}

// note records an informational event on the machine.
func (w *Worker) note(ctx context.Context, name, msg string) {
	err := w.DB.Update(ctx, func(tx *store.Tx) error {
		return tx.AppendEvent(&store.Event{Machine: name, Type: "journey.note", Message: msg, Actor: "system"})
	})
	if err != nil {
		w.Log.Warn("journey: note", "machine", name, "err", err)
	}
}
