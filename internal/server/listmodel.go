package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// bulkRefresh is how many changed machines make the list model re-read every
// row in two scans rather than each changed machine by name.
const bulkRefresh = 128

// listModel is the machine list's read model: each machine's encoded list
// entry (and what the filters need) as of one inventory generation. A read
// at a newer generation asks the store which machines changed since and
// re-reads only those; the first read (or one the change log no longer
// reaches) reads everything.
type listModel struct {
	mu      sync.Mutex
	valid   bool
	gen     int64
	names   []string // sorted
	entries map[string]*listEntry
}

// listEntry is one machine's encoded list entry.
type listEntry struct {
	state, cluster string
	labels         map[string]string
	declared       bool
	json           []byte
}

// render writes the list q selects, as tx (at inventory generation gen)
// sees it, to lw and returns the continue token.
func (lm *listModel) render(tx *store.Tx, gen int64, q machineQuery, lw *listWriter) (string, error) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if err := lm.catchUp(tx, gen); err != nil {
		lm.valid = false
		return "", err
	}
	size := 0
	for _, e := range lm.entries {
		size += len(e.json) + 1
	}
	lw.grow(size)
	n, last := 0, ""
	for _, name := range lm.names {
		e := lm.entries[name]
		if !q.selects(name, e) {
			continue
		}
		if q.limit > 0 && n == q.limit {
			return last, nil
		}
		lw.addRaw(e.json)
		n, last = n+1, name
	}
	return "", nil
}

// catchUp brings the model to generation gen.
func (lm *listModel) catchUp(tx *store.Tx, gen int64) error {
	if lm.valid && lm.gen == gen {
		return nil
	}
	if lm.valid && lm.gen < gen {
		names, ok, err := tx.MachinesChangedSince(lm.gen)
		if err != nil {
			return err
		}
		if ok && len(names) <= bulkRefresh {
			if err := lm.refresh(tx, names); err != nil {
				return err
			}
			lm.gen = gen
			return nil
		}
	}
	// First read, a log that no longer reaches back, many changes, or a
	// snapshot older than the model (a concurrent reader moved it on).
	return lm.rebuild(tx, gen)
}

// refresh re-reads the named machines.
func (lm *listModel) refresh(tx *store.Tx, names []string) error {
	allowed := map[string][]string{}
	for _, name := range names {
		m, err := tx.GetMachine(name)
		if errors.Is(err, store.ErrNotFound) {
			lm.remove(name)
			continue
		}
		if err != nil {
			return fmt.Errorf("list machines: %w", err)
		}
		o, err := tx.GetObject(string(inventory.KindMachine), name)
		obj := &o
		switch {
		case errors.Is(err, store.ErrNotFound):
			obj = nil
		case err != nil:
			return fmt.Errorf("list machines: %w", err)
		}
		e, err := newListEntry(&m, obj, allowedFor(allowed, m.State))
		if err != nil {
			return err
		}
		if _, ok := lm.entries[name]; !ok {
			i, _ := slices.BinarySearch(lm.names, name)
			lm.names = slices.Insert(lm.names, i, name)
		}
		lm.entries[name] = e
	}
	return nil
}

func (lm *listModel) remove(name string) {
	if _, ok := lm.entries[name]; !ok {
		return
	}
	delete(lm.entries, name)
	if i, found := slices.BinarySearch(lm.names, name); found {
		lm.names = slices.Delete(lm.names, i, i+1)
	}
}

// rebuild reads every machine and Machine object.
func (lm *listModel) rebuild(tx *store.Tx, gen int64) error {
	ms, err := tx.ListMachines(store.MachineFilter{})
	if err != nil {
		return fmt.Errorf("list machines: %w", err)
	}
	objs, err := tx.ListObjects(string(inventory.KindMachine))
	if err != nil {
		return fmt.Errorf("list machine objects: %w", err)
	}
	byName := make(map[string]*store.Object, len(objs))
	for i := range objs {
		byName[objs[i].Name] = &objs[i]
	}
	allowed := map[string][]string{}
	lm.names = make([]string, 0, len(ms))
	lm.entries = make(map[string]*listEntry, len(ms))
	for i := range ms {
		e, err := newListEntry(&ms[i], byName[ms[i].Name], allowedFor(allowed, ms[i].State))
		if err != nil {
			return err
		}
		lm.names = append(lm.names, ms[i].Name) // ListMachines is in name order
		lm.entries[ms[i].Name] = e
	}
	lm.valid, lm.gen = true, gen
	return nil
}

func newListEntry(m *store.Machine, o *store.Object, allowed []string) (*listEntry, error) {
	mj := toMachineJSON(m, o, allowed)
	b, err := appendMachine(nil, &mj)
	if err != nil {
		return nil, err
	}
	e := &listEntry{state: m.State, json: b}
	if o != nil {
		e.labels, e.declared = o.Labels, true
		var spec struct {
			Cluster string `json:"cluster"`
		}
		if err := json.Unmarshal(o.Spec, &spec); err != nil {
			return nil, fmt.Errorf("machine %s: stored spec: %w", m.Name, err)
		}
		e.cluster = spec.Cluster
	}
	return e, nil
}

// selects reports whether the query wants the machine name with entry e.
func (q machineQuery) selects(name string, e *listEntry) bool {
	if q.state != "" && e.state != q.state {
		return false
	}
	if q.after != "" && name <= q.after {
		return false
	}
	if !q.filtered() {
		return true
	}
	if !e.declared || (q.cluster != "" && e.cluster != q.cluster) {
		return false
	}
	for k, v := range q.labels {
		if got, ok := e.labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
