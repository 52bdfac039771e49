package bmc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults for PowerSync.
const (
	DefaultSyncInterval     = 60 * time.Second
	DefaultSyncConcurrency  = 16
	DefaultSyncCallTimeout  = 10 * time.Second
	DefaultUnreachableAfter = 3
)

// PowerSync polls every machine's BMC on an interval, staggered over the
// first quarter of it with bounded concurrency. A power state that differs
// from the recorded one was changed outside Slipway: it is recorded as a
// power.changed event. After UnreachableAfter failed polls in a row the
// machine gets the bmc-unreachable condition (with the next retry time); the
// condition clears itself when the BMC answers again. New IPMI SEL entries
// become bmc.sel events, and the BMC's identity a bmc.inventory event.
// A BMC busy with an operation is skipped for that round.
type PowerSync struct {
	DB   *store.DB
	Keys Opener
	Ctl  *Controller
	Log  *slog.Logger
	// Interval between sweeps (DefaultSyncInterval).
	Interval time.Duration
	// Spread staggers the starts of one sweep over this long (default a
	// quarter of Interval; negative: no stagger).
	Spread time.Duration
	// Concurrency bounds the polls in flight (DefaultSyncConcurrency).
	Concurrency int
	// CallTimeout bounds one poll call (DefaultSyncCallTimeout).
	CallTimeout time.Duration
	// UnreachableAfter failed polls in a row set bmc-unreachable.
	UnreachableAfter int
	// Now is the clock (time.Now).
	Now func() time.Time

	mu          sync.Mutex
	failures    map[string]int
	inventoried map[string]bool
}

// SweepStats summarise one sweep.
type SweepStats struct {
	Machines, OK, Failed, Skipped, Changed int
	Duration                               time.Duration
}

func (p *PowerSync) defaults() {
	if p.Interval <= 0 {
		p.Interval = DefaultSyncInterval
	}
	if p.Spread == 0 {
		p.Spread = p.Interval / 4
	}
	if p.Concurrency <= 0 {
		p.Concurrency = DefaultSyncConcurrency
	}
	if p.CallTimeout <= 0 {
		p.CallTimeout = DefaultSyncCallTimeout
	}
	if p.UnreachableAfter <= 0 {
		p.UnreachableAfter = DefaultUnreachableAfter
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	p.mu.Lock()
	if p.failures == nil {
		p.failures, p.inventoried = map[string]int{}, map[string]bool{}
	}
	p.mu.Unlock()
}

// Run sweeps every Interval until ctx ends.
func (p *PowerSync) Run(ctx context.Context) error {
	p.defaults()
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for {
		st := p.Sweep(ctx)
		p.Log.Debug("power sync sweep", "machines", st.Machines, "ok", st.OK, "failed", st.Failed,
			"skipped", st.Skipped, "changed", st.Changed, "duration", st.Duration)
		if st.Duration > p.Interval {
			p.Log.Warn("power sync sweep took longer than its interval", "duration", st.Duration, "interval", p.Interval)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Sweep polls every machine that declares a BMC once.
func (p *PowerSync) Sweep(ctx context.Context) SweepStats {
	p.defaults()
	start := time.Now()
	names, err := p.machines(ctx)
	if err != nil {
		p.Log.Error("power sync: list machines", "err", err)
		return SweepStats{Duration: time.Since(start)}
	}
	var (
		mu    sync.Mutex
		stats = SweepStats{Machines: len(names)}
		wg    sync.WaitGroup
		slots = make(chan struct{}, p.Concurrency)
	)
	for i, name := range names {
		if p.Spread > 0 && !sleep(ctx, time.Until(start.Add(p.Spread*time.Duration(i)/time.Duration(len(names))))) {
			break
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			res := p.poll(ctx, name)
			mu.Lock()
			defer mu.Unlock()
			stats.add(res)
		})
	}
	wg.Wait()
	stats.Duration = time.Since(start)
	return stats
}

type pollResult int

const (
	pollOK pollResult = iota
	pollChanged
	pollFailed
	pollSkipped
)

func (s *SweepStats) add(r pollResult) {
	switch r {
	case pollOK:
		s.OK++
	case pollChanged:
		s.OK++
		s.Changed++
	case pollFailed:
		s.Failed++
	case pollSkipped:
		s.Skipped++
	}
}

// machines lists the machines that declare a BMC address.
func (p *PowerSync) machines(ctx context.Context) ([]string, error) {
	var names []string
	err := p.DB.View(ctx, func(tx *store.Tx) error {
		objs, err := tx.ListObjects(string(inventory.KindMachine))
		for _, o := range objs {
			var spec struct {
				BMC *inventory.BMC `json:"bmc"`
			}
			if json.Unmarshal(o.Spec, &spec) == nil && spec.BMC != nil && spec.BMC.Address != "" {
				names = append(names, o.Name)
			}
		}
		return err
	})
	return names, err
}

// poll reads one machine's BMC and records what changed.
func (p *PowerSync) poll(ctx context.Context, name string) pollResult {
	rec := &recorder{db: p.DB, log: p.Log, machine: name, actor: "system", cause: "power sync"}
	t, err := LoadTarget(ctx, p.DB, p.Keys, name)
	if err != nil {
		return p.failed(ctx, rec, err)
	}
	changed := false
	err = p.Ctl.Run(ctx, t, RunOptions{NoWait: true, NoRetry: true, CallTimeout: p.CallTimeout}, func(s *Session) error {
		st, err := s.PowerState()
		if err != nil {
			return err
		}
		p.reachable(ctx, rec, name)
		changed = p.observe(ctx, rec, st)
		p.extras(s, rec, t)
		return nil
	})
	switch {
	case errors.Is(err, ErrBusy):
		return pollSkipped
	case err != nil && ctx.Err() != nil:
		return pollSkipped // stopping: not the BMC's fault
	case err != nil:
		return p.failed(ctx, rec, err)
	case changed:
		return pollChanged
	}
	return pollOK
}

// observe records the polled power state; a change from a known state is
// a change made outside Slipway.
func (p *PowerSync) observe(ctx context.Context, rec *recorder, st string) bool {
	if st != PowerOn && st != PowerOff {
		return false
	}
	changed := false
	rec.update(ctx, func(tx *store.Tx) error {
		m, err := tx.GetMachine(rec.machine)
		if err != nil || m.Power == st {
			return err
		}
		if m.Power == PowerOn || m.Power == PowerOff {
			changed = true
			err := tx.AppendEvent(rec.newEvent(EventPowerChanged, "out-of-band",
				fmt.Sprintf("power is %s (was %s): changed outside Slipway", st, m.Power), map[string]any{"from": m.Power, "to": st}))
			if err != nil {
				return err
			}
		}
		return setMachinePower(tx, rec.machine, st)
	})
	return changed
}

// failed counts a failed poll and, at UnreachableAfter in a row, marks the
// machine bmc-unreachable (once; later failures move NextRetry).
func (p *PowerSync) failed(ctx context.Context, rec *recorder, cause error) pollResult {
	p.mu.Lock()
	p.failures[rec.machine]++
	n := p.failures[rec.machine]
	p.mu.Unlock()
	p.Log.Debug("power sync: poll failed", "machine", rec.machine, "failures", n, "err", cause)
	if n < p.UnreachableAfter {
		return pollFailed
	}
	now := p.Now()
	next := now.Add(p.Interval)
	msg := fmt.Sprintf("%d polls in a row failed; last: %v", n, cause)
	rec.update(ctx, func(tx *store.Tx) error {
		added, err := setCondition(tx, rec.machine, store.Condition{Type: ConditionUnreachable,
			Reason: kindReason(cause), Message: msg, Since: now, NextRetry: &next})
		if err != nil || !added {
			return err
		}
		if err := setMachinePower(tx, rec.machine, PowerUnknown); err != nil {
			return err
		}
		return tx.AppendEvent(rec.newEvent(EventUnreachable, kindReason(cause), "BMC unreachable: "+msg,
			map[string]any{"nextRetry": next.Format(time.RFC3339)}))
	})
	return pollFailed
}

// reachable resets the failure count and clears bmc-unreachable.
func (p *PowerSync) reachable(ctx context.Context, rec *recorder, name string) {
	p.mu.Lock()
	n := p.failures[name]
	delete(p.failures, name)
	p.mu.Unlock()
	if n < p.UnreachableAfter {
		return
	}
	rec.update(ctx, func(tx *store.Tx) error {
		cleared, err := clearCondition(tx, name, ConditionUnreachable)
		if err != nil || !cleared {
			return err
		}
		return tx.AppendEvent(rec.newEvent(EventReachable, "answered", "BMC answers again", nil))
	})
}

// extras reads the BMC's identity once per run and new SEL entries (IPMI).
// Their failures are logged, not counted: the BMC answered.
func (p *PowerSync) extras(s *Session, rec *recorder, t Target) {
	ctx := s.Context()
	p.mu.Lock()
	done := p.inventoried[rec.machine]
	p.inventoried[rec.machine] = true
	p.mu.Unlock()
	if !done {
		if info, err := s.Inventory(); err == nil {
			p.recordInventory(ctx, rec, info)
		} else {
			p.Log.Debug("power sync: inventory", "machine", rec.machine, "err", err)
		}
	}
	if t.Endpoint.Protocol != IPMI {
		return
	}
	sel, err := s.SEL()
	if err != nil {
		p.Log.Debug("power sync: SEL", "machine", rec.machine, "err", err)
		return
	}
	p.recordSEL(ctx, rec, sel)
}

// latest returns the newest event of typ on the machine (nil if none).
func latest(tx *store.Tx, machine, typ string) (*store.Event, error) {
	es, err := tx.ListEvents(store.EventFilter{Machine: machine, Type: typ, BeforeID: math.MaxInt64, Limit: 1})
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return &es[0], nil
}

func (p *PowerSync) recordInventory(ctx context.Context, rec *recorder, info Info) {
	data := map[string]any{"vendor": info.Vendor, "model": info.Model, "firmware": info.Firmware}
	rec.update(ctx, func(tx *store.Tx) error {
		last, err := latest(tx, rec.machine, EventInventory)
		if err != nil {
			return err
		}
		if last != nil {
			var old Info
			if json.Unmarshal(last.Data, &old) == nil && old == info {
				return nil
			}
		}
		return tx.AppendEvent(rec.newEvent(EventInventory, "identified",
			fmt.Sprintf("BMC: %s %s, firmware %s", info.Vendor, info.Model, info.Firmware), data))
	})
}
