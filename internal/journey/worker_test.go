package journey

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// fakeExecutor records the BMC operations instead of running them (the
// real bmc.Executor against ipmi_sim is exercised by the virtual rack tier).
type fakeExecutor struct {
	mu   sync.Mutex
	ops  []string
	fail string // action that fails
}

func (e *fakeExecutor) Execute(_ context.Context, op store.Operation) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ops = append(e.ops, op.Machine+" "+op.Action+" "+string(op.Params))
	if op.Action == e.fail {
		return errors.New("BMC 127.0.0.1:6230: timeout")
	}
	return nil
}

func (e *fakeExecutor) seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.ops...)
}

func startWorker(t *testing.T, f *fixture, ex Executor) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{DB: f.db, Executor: ex, Poll: 50 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	// the worker starts at the end of the log: wait until it has a cursor
	require.Eventually(t, func() bool {
		var c int64
		_ = f.db.View(t.Context(), func(tx *store.Tx) (err error) { c, err = tx.WorkerCursor(WorkerName); return err })
		return c > 0
	}, 5*time.Second, 10*time.Millisecond)
}

func TestWorkerNetbootAndDiskBoot(t *testing.T) {
	f := newFixture(t)
	ex := &fakeExecutor{}
	startWorker(t, f, ex)
	f.to(t, "m1", machine.Provision)
	require.Eventually(t, func() bool { return len(ex.seen()) == 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{`m1 bootdev {"device":"pxe","mode":"uefi"}`, "m1 power-on "}, ex.seen())

	f.to(t, "m1", machine.Installed)
	require.Eventually(t, func() bool { return f.machine(t, "m1").State == string(machine.Booting) }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{`m1 bootdev {"device":"disk","mode":"uefi"}`, "m1 power-reset "}, ex.seen()[2:])

	// m2 declares no BMC: a note says to power it by hand, nothing runs.
	f.to(t, "m2", machine.Provision)
	require.Eventually(t, func() bool { return len(f.events(t, "m2", "journey.note")) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Len(t, ex.seen(), 4)
}

func TestWorkerBMCFailureFailsTheStep(t *testing.T) {
	f := newFixture(t)
	ex := &fakeExecutor{fail: "power-on"}
	startWorker(t, f, ex)
	f.to(t, "m1", machine.Inspect)
	require.Eventually(t, func() bool { return f.machine(t, "m1").State == string(machine.Failed) }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, "BMC: power-on: BMC 127.0.0.1:6230: timeout", f.machine(t, "m1").StateReason)
}

// TestWorkerResumesAfterRestart: a state change recorded while the worker
// was down (the appliance killed between the transition and the power-on)
// is carried out when it starts again.
func TestWorkerResumesAfterRestart(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error { return tx.SetWorkerCursor(WorkerName, 1) }))
	f.to(t, "m1", machine.Provision)
	ex := &fakeExecutor{}
	startWorker(t, f, ex)
	require.Eventually(t, func() bool { return len(ex.seen()) == 2 }, 5*time.Second, 10*time.Millisecond)
}
