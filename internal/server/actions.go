package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// Messages recorded on operations that could not run.
const (
	msgNoDriver = "no BMC driver configured"
	msgStopping = "canceled: the appliance stopped before the operation finished"
)

// lifecycleActions are the actions carried out by a machine.Transition.
func lifecycleActions() []machine.Trigger {
	return []machine.Trigger{machine.Inspect, machine.Provision, machine.Reset, machine.Deprovision,
		machine.MaintenanceOn, machine.MaintenanceOff}
}

// bmcActions are the actions an Executor carries out.
func bmcActions() []string {
	return []string{"power-on", "power-off", "power-soft-off", "power-cycle", "power-reset", "bootdev",
		"media-insert", "media-eject"}
}

// bootDevices are the devices the bootdev action accepts (params.device).
func bootDevices() []string { return []string{"pxe", "disk", "cdrom", "bios"} }

// postAction records the action as an operation and answers 202 with its
// reference: lifecycle actions are done when the answer comes (the
// operation succeeded, or the refusal is a 409 and a failed operation),
// BMC actions are handed to the Executor.
func (s *Server) postAction(c echo.Context) error {
	var req api.ActionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ref, err := s.Act(c.Request().Context(), actorOf(c), c.Param("name"), req)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusAccepted, ref)
}

// Act carries out an action on a machine for actor exactly as POST
// .../actions does (the web UI calls it too): the errors are the ones the
// API maps to 400, 404 and 409.
func (s *Server) Act(ctx context.Context, actor, name string, req api.ActionRequest) (api.OperationRef, error) {
	op := &store.Operation{ID: store.NewOperationID(), Machine: name, Action: req.Action, Actor: actor}
	if len(req.Params) > 0 {
		op.Params, _ = json.Marshal(req.Params) // a map of strings always encodes
	}
	var err error
	switch {
	case slices.Contains(lifecycleActions(), machine.Trigger(req.Action)):
		err = s.lifecycleAction(ctx, op, req.Params["reason"])
	case slices.Contains(bmcActions(), req.Action):
		err = s.bmcAction(ctx, op, req.Params)
	default:
		err = badRequest("action", "unknown action %q (one of %v %v)", req.Action, lifecycleActions(), bmcActions())
	}
	if err != nil {
		return api.OperationRef{}, err
	}
	return api.OperationRef{ID: op.ID, URL: "/api/v1/operations/" + op.ID}, nil
}

// lifecycleAction applies the trigger and records the operation in one
// transaction. A refused transition is recorded as a failed operation and
// answered 409.
func (s *Server) lifecycleAction(ctx context.Context, op *store.Operation, reason string) error {
	if reason == "" {
		reason = "requested by " + op.Actor
	}
	var refused error
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		refused = nil
		op.Status, op.Message = store.OpSucceeded, ""
		cause := machine.Cause{Reason: "operator", Message: reason, Actor: op.Actor}
		_, err := machine.Transition(tx, op.Machine, machine.Trigger(op.Action), cause)
		switch {
		case errors.Is(err, machine.ErrTransition):
			refused = err
			op.Status, op.Message = store.OpFailed, err.Error()
		case err != nil:
			return err
		}
		return tx.CreateOperation(op)
	})
	if err != nil {
		return err
	}
	return refused
}

// bmcAction records a pending operation and starts it; with no Executor
// the operation is recorded failed at once (never a false success).
func (s *Server) bmcAction(ctx context.Context, op *store.Operation, params map[string]string) error {
	if op.Action == "bootdev" && !slices.Contains(bootDevices(), params["device"]) {
		return badRequest("params.device", "bootdev needs a device, one of %v", bootDevices())
	}
	if op.Action == "media-insert" && !strings.HasPrefix(params["url"], "http://") && !strings.HasPrefix(params["url"], "https://") {
		return badRequest("params.url", "media-insert needs the http(s) URL of an ISO image")
	}
	op.Status = store.OpPending
	if s.executor == nil {
		op.Status, op.Message = store.OpFailed, msgNoDriver
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.GetMachine(op.Machine); err != nil {
			return err
		}
		if err := tx.CreateOperation(op); err != nil {
			return fmt.Errorf("machine %s: record %s: %w", op.Machine, op.Action, err)
		}
		if op.Status == store.OpFailed {
			return tx.AppendEvent(operationEvent(op))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if op.Status == store.OpPending {
		s.startOperation(*op)
	}
	return nil
}

func operationEvent(op *store.Operation) *store.Event {
	data, _ := json.Marshal(map[string]string{"operation": op.ID})
	return &store.Event{Machine: op.Machine, Type: "operation." + op.Status, Reason: op.Action,
		Message: op.Action + ": " + op.Status + messageSuffix(op.Message), Actor: op.Actor, Data: data}
}

func messageSuffix(m string) string {
	if m == "" {
		return ""
	}
	return ": " + m
}

// startOperation runs op on the Executor in the background, at most
// MaxConcurrentActions at once, and records the outcome.
func (s *Server) startOperation(op store.Operation) {
	if !s.beginOp() {
		s.finishOperation(op, errors.New(msgStopping))
		return
	}
	go func() {
		defer s.ops.Done()
		select {
		case s.opsSlots <- struct{}{}:
		case <-s.life.Done():
			s.finishOperation(op, errors.New(msgStopping))
			return
		}
		defer func() { <-s.opsSlots }()
		s.setOperationStatus(op, store.OpRunning, "")
		s.finishOperation(op, s.execute(op))
	}()
}

// beginOp counts a new background operation unless the server is stopping.
func (s *Server) beginOp() bool {
	s.opsMu.Lock()
	defer s.opsMu.Unlock()
	if s.life.Err() != nil {
		return false
	}
	s.ops.Add(1)
	return true
}

// execute calls the Executor; a panic in it fails the operation.
func (s *Server) execute(op store.Operation) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("api: executor panicked", "operation", op.ID, "panic", fmt.Sprint(r))
			err = fmt.Errorf("executor failed: %v", r)
		}
	}()
	err = s.executor.Execute(s.life, op)
	if err != nil && s.life.Err() != nil && errors.Is(err, context.Canceled) {
		return errors.New(msgStopping)
	}
	return err
}

func (s *Server) finishOperation(op store.Operation, err error) {
	if err != nil {
		s.setOperationStatus(op, store.OpFailed, err.Error())
		return
	}
	s.setOperationStatus(op, store.OpSucceeded, "")
}

// setOperationStatus writes the operation's status (and, when it is done,
// an event on the machine). It writes even while the server stops.
func (s *Server) setOperationStatus(op store.Operation, status, msg string) {
	op.Status, op.Message = status, msg
	ctx, cancel := context.WithTimeout(context.Background(), auditWriteTimeout)
	defer cancel()
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateOperation(&op); err != nil {
			return err
		}
		if status == store.OpSucceeded || status == store.OpFailed {
			return tx.AppendEvent(operationEvent(&op))
		}
		return nil
	})
	if err != nil {
		s.log.Error("api: record operation status", "operation", op.ID, "status", status, "err", err)
	}
}
