package dhcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// committer stores lease writes with group commit: one goroutine takes
// every write pending at the moment (up to maxBatch) into one transaction,
// and after the commit runs each write's done callback (which sends the
// ACK). While a commit runs, the next batch gathers.
type committer struct {
	db       *store.DB
	log      *slog.Logger
	metrics  *metrics
	maxBatch int
	in       chan pending
}

type pending struct {
	w    write
	done func() // after a successful commit; nil for none
}

func newCommitter(db *store.DB, log *slog.Logger, m *metrics, queue, maxBatch int) *committer {
	return &committer{db: db, log: log, metrics: m, maxBatch: maxBatch, in: make(chan pending, queue)}
}

// add queues w (waiting while the queue is full); done runs once w is
// committed.
func (c *committer) add(ctx context.Context, w write, done func()) error {
	select {
	case c.in <- pending{w: w, done: done}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryAdd queues w unless the queue is full (then w is dropped and counted):
// for rows no reply waits for.
func (c *committer) tryAdd(w write) {
	select {
	case c.in <- pending{w: w}:
	default:
		c.metrics.dropped.WithLabelValues("write-queue-full").Inc()
	}
}

// run commits batches until ctx ends.
func (c *committer) run(ctx context.Context) {
	batch := make([]pending, 0, c.maxBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-c.in:
			batch = append(batch[:0], p)
		}
	gather:
		for len(batch) < c.maxBatch {
			select {
			case p := <-c.in:
				batch = append(batch, p)
			default:
				break gather
			}
		}
		c.commit(ctx, batch)
		clear(batch)
	}
}

// commit stores batch in one transaction; if that fails, each write is
// retried alone so that one bad write fails only its own packet.
func (c *committer) commit(ctx context.Context, batch []pending) {
	start := time.Now()
	err := c.db.Update(ctx, func(tx *store.Tx) error {
		for i := range batch {
			if err := apply(tx, &batch[i].w, c.log); err != nil {
				return err
			}
		}
		return nil
	})
	c.metrics.batch.Observe(float64(len(batch)))
	c.metrics.commitFn.Observe(time.Since(start).Seconds())
	if err == nil {
		for _, p := range batch {
			if p.done != nil {
				p.done()
			}
		}
		return
	}
	if len(batch) == 1 || ctx.Err() != nil {
		c.log.Error("dhcp: lease commit failed; no reply sent", "writes", len(batch), "err", err)
		c.metrics.dropped.WithLabelValues("commit-failed").Add(float64(len(batch)))
		return
	}
	for i := range batch {
		c.commit(ctx, batch[i:i+1])
	}
}

// apply writes one packet's rows.
func apply(tx *store.Tx, w *write, log *slog.Logger) error {
	for i := range w.leases {
		if err := tx.PutLease(&w.leases[i]); err != nil {
			return err
		}
	}
	for i := range w.events {
		if err := tx.AppendEvent(&w.events[i]); err != nil {
			return err
		}
	}
	for i := range w.discovered {
		if err := createDiscovered(tx, &w.discovered[i], log); err != nil {
			return err
		}
	}
	return nil
}

// createDiscovered creates the machine of a MAC seen booting, unless the
// MAC became known meanwhile; either way the ACK is recorded on it.
func createDiscovered(tx *store.Tx, d *discovery, log *slog.Logger) error {
	ev := d.event
	m, err := tx.GetMachineByMAC(d.machine.MAC)
	switch {
	case err == nil:
		ev.Machine = m.Name
	case !errors.Is(err, store.ErrNotFound):
		return err
	default:
		if _, err := tx.GetMachine(d.machine.Name); err == nil {
			log.Warn("dhcp: discovered machine's name is taken; not created", "name", d.machine.Name, "mac", d.machine.MAC)
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		m = d.machine
		if err := machine.Create(tx, &m, machine.Discovered, machineCause(d.message)); err != nil {
			return fmt.Errorf("dhcp: create discovered machine: %w", err)
		}
		log.Info("dhcp: discovered machine", "name", m.Name, "mac", m.MAC, "arch", m.Arch)
		ev.Machine = m.Name
	}
	return tx.AppendEvent(&ev)
}
