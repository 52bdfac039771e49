package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

// fakeExecutor is a hand-written Executor: it succeeds, fails or panics by
// action, and can hold every call until released.
type fakeExecutor struct {
	hold    chan struct{} // nil: do not wait
	running atomic.Int32
	maxSeen atomic.Int32
	mu      sync.Mutex
	calls   []store.Operation
}

func (f *fakeExecutor) Execute(ctx context.Context, op store.Operation) error {
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.mu.Unlock()
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	switch op.Action {
	case "power-off":
		return errors.New("bmc r1-u01: power off: BMC said no")
	case "power-reset":
		panic("driver bug")
	}
	return nil
}

func (h *harness) action(machine, action string, params map[string]string) (response, api.OperationRef) {
	h.t.Helper()
	r := h.do(http.MethodPost, "/api/v1/machines/"+machine+"/actions", auth.Operator, api.ActionRequest{Action: action, Params: params})
	var ref api.OperationRef
	if r.status == http.StatusAccepted {
		r.decode(h.t, &ref)
	}
	return r, ref
}

func (h *harness) operation(id string) store.Operation {
	h.t.Helper()
	r := h.do(http.MethodGet, "/api/v1/operations/"+id, auth.Viewer, nil)
	require.Equal(h.t, http.StatusOK, r.status, "body: %s", r.body)
	var op store.Operation
	r.decode(h.t, &op)
	return op
}

func (h *harness) waitStatus(id, status string) store.Operation {
	h.t.Helper()
	var op store.Operation
	require.Eventually(h.t, func() bool {
		op = h.operation(id)
		return op.Status == status
	}, waitFor, 5*time.Millisecond, "operation %s never became %s", id, status)
	return op
}

func TestLifecycleActions(t *testing.T) {
	h := newHarness(t)
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})

	r, ref := h.action("r1-u01", "inspect", nil)
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	assert.True(t, strings.HasPrefix(ref.ID, "op_"), ref.ID)
	assert.Equal(t, "/api/v1/operations/"+ref.ID, ref.URL)
	op := h.operation(ref.ID)
	assert.Equal(t, store.OpSucceeded, op.Status)
	assert.Equal(t, "token:operator", op.Actor)

	var d api.MachineDetail
	h.do(http.MethodGet, "/api/v1/machines/r1-u01", auth.Viewer, nil).decode(t, &d)
	assert.Equal(t, "inspecting", d.State)
	last := d.Events[len(d.Events)-1]
	assert.Equal(t, store.Event{ID: last.ID, Time: last.Time, Machine: "r1-u01", Type: "state", Reason: "operator",
		Message: "requested by token:operator", Cause: "inspect", Actor: "token:operator", From: "registered", To: "inspecting"}, last)

	// A refusal is a 409 and a failed operation on the machine's record.
	r, _ = h.action("r1-u01", "inspect", nil)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	assert.Contains(t, r.apiError(t).Message, "inspect is not possible while inspecting")
	h.do(http.MethodGet, "/api/v1/machines/r1-u01", auth.Viewer, nil).decode(t, &d)
	require.Len(t, d.Operations, 2)
	assert.Equal(t, store.OpFailed, d.Operations[1].Status)
	assert.Contains(t, d.Operations[1].Message, "not possible")

	r, _ = h.action("r1-u01", "maintenance-on", map[string]string{"reason": "swap PSU"})
	require.Equal(t, http.StatusAccepted, r.status)
	h.do(http.MethodGet, "/api/v1/machines/r1-u01", auth.Viewer, nil).decode(t, &d)
	assert.Equal(t, "maintenance", d.State)
	assert.Equal(t, "swap PSU", d.StateReason)
	assert.Equal(t, []string{"maintenance-off"}, d.Allowed)
}

func TestBMCActionWithoutDriver(t *testing.T) {
	h := newHarness(t)
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})
	r, ref := h.action("r1-u01", "power-on", nil)
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	op := h.operation(ref.ID)
	assert.Equal(t, store.OpFailed, op.Status, "never a false success")
	assert.Equal(t, msgNoDriver, op.Message)

	var evs api.List[store.Event]
	h.do(http.MethodGet, "/api/v1/events?machine=r1-u01&type=operation.", auth.Viewer, nil).decode(t, &evs)
	require.Len(t, evs.Items, 1)
	assert.Equal(t, "operation.failed", evs.Items[0].Type)
	assert.Equal(t, "power-on: failed: no BMC driver configured", evs.Items[0].Message)
}

func TestBMCActionsOnExecutor(t *testing.T) {
	ex := &fakeExecutor{}
	h := newHarness(t, harnessOpts{deps: Deps{Executor: ex}})
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})

	_, on := h.action("r1-u01", "power-on", nil)
	_, off := h.action("r1-u01", "power-off", nil)
	_, boot := h.action("r1-u01", "bootdev", map[string]string{"device": "pxe"})
	_, bug := h.action("r1-u01", "power-reset", nil)
	h.waitStatus(on.ID, store.OpSucceeded)
	assert.Equal(t, "bmc r1-u01: power off: BMC said no", h.waitStatus(off.ID, store.OpFailed).Message)
	bootOp := h.waitStatus(boot.ID, store.OpSucceeded)
	assert.JSONEq(t, `{"device":"pxe"}`, string(bootOp.Params))
	assert.Contains(t, h.waitStatus(bug.ID, store.OpFailed).Message, "driver bug")
	assert.Contains(t, h.logs.String(), "executor panicked")
}

// TestBMCActionsBounded holds the executor and checks no more than
// MaxConcurrentActions run at once; the rest wait and then run.
func TestBMCActionsBounded(t *testing.T) {
	ex := &fakeExecutor{hold: make(chan struct{})}
	h := newHarness(t, harnessOpts{deps: Deps{Executor: ex}})
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})
	var ids []string
	for range MaxConcurrentActions + 4 {
		_, ref := h.action("r1-u01", "power-cycle", nil)
		ids = append(ids, ref.ID)
	}
	require.Eventually(t, func() bool { return ex.running.Load() == MaxConcurrentActions }, waitFor, time.Millisecond)
	pending := 0
	for _, id := range ids {
		if h.operation(id).Status == store.OpPending {
			pending++
		}
	}
	assert.Equal(t, 4, pending)
	close(ex.hold)
	for _, id := range ids {
		h.waitStatus(id, store.OpSucceeded)
	}
	assert.EqualValues(t, MaxConcurrentActions, ex.maxSeen.Load())
}

// TestBMCActionStoppedByShutdown checks an operation still running when the
// server stops is recorded failed, not left pending or running.
func TestBMCActionStoppedByShutdown(t *testing.T) {
	ex := &fakeExecutor{hold: make(chan struct{})}
	h := newHarness(t, harnessOpts{deps: Deps{Executor: ex}})
	h.addMachines(testMachine{name: "r1-u01", mac: mac(1)})
	_, ref := h.action("r1-u01", "power-on", nil)
	h.waitStatus(ref.ID, store.OpRunning)
	h.srv.halt()
	h.srv.ops.Wait()
	assert.Equal(t, msgStopping, h.operation(ref.ID).Message)
	assert.Equal(t, store.OpFailed, h.operation(ref.ID).Status)
}
