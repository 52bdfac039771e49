package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// Detail page sizes.
const (
	detailEvents     = 50
	detailOperations = 20
)

// machineJSON is api.Machine on the wire with the stored spec passed
// through as raw JSON: listing 10,000 machines then costs no spec decode
// and re-encode. The stored spec is the canonical encoding of
// inventory.MachineSpec, so the bytes are the same (a test holds the two
// types to the same JSON shape).
type machineJSON struct {
	Name           string            `json:"name"`
	MAC            string            `json:"mac"`
	State          string            `json:"state"`
	StateReason    string            `json:"stateReason,omitempty"`
	FailedStage    string            `json:"failedStage,omitempty"`
	Power          string            `json:"power"`
	Phase          string            `json:"phase,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	Spec           json.RawMessage   `json:"spec,omitempty"`
	Conditions     []store.Condition `json:"conditions,omitempty"`
	Hardware       json.RawMessage   `json:"hardware,omitempty"`
	Revision       int64             `json:"revision"`
	CreatedAt      time.Time         `json:"createdAt"`
	UpdatedAt      time.Time         `json:"updatedAt"`
	StateChangedAt time.Time         `json:"stateChangedAt"`
	Allowed        []string          `json:"allowed,omitempty"`
}

// machineQuery is the parsed query of GET /machines.
type machineQuery struct {
	state   string
	cluster string
	labels  map[string]string
	limit   int // 0: all
	after   string
}

func parseMachineQuery(c echo.Context) (machineQuery, error) {
	q := machineQuery{state: c.QueryParam("state"), cluster: c.QueryParam("cluster"), after: c.QueryParam("continue")}
	if q.state != "" && !machine.State(q.state).Valid() {
		return q, badRequest("state", "unknown state %q", q.state)
	}
	for _, l := range c.QueryParams()["label"] {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return q, badRequest("label", "want key=value, got %q", l)
		}
		if q.labels == nil {
			q.labels = map[string]string{}
		}
		q.labels[k] = v
	}
	var err error
	q.limit, err = queryLimit(c, 0, math.MaxInt32)
	return q, err
}

// filtered reports whether the query filters on the declared object, which
// the store cannot do for us.
func (q machineQuery) filtered() bool { return q.cluster != "" || len(q.labels) > 0 }

func (q machineQuery) matches(o *store.Object) bool {
	if !q.filtered() {
		return true
	}
	if o == nil {
		return false
	}
	for k, v := range q.labels {
		if got, ok := o.Labels[k]; !ok || got != v {
			return false
		}
	}
	if q.cluster == "" {
		return true
	}
	var spec struct {
		Cluster string `json:"cluster"`
	}
	return json.Unmarshal(o.Spec, &spec) == nil && spec.Cluster == q.cluster
}

// listMachines joins the machine rows with their Machine objects (two
// queries in one snapshot) and encodes the page; the encoded page is cached
// until the inventory generation moves (see listCache).
func (s *Server) listMachines(c echo.Context) error {
	q, err := parseMachineQuery(c)
	if err != nil {
		return err
	}
	f := store.MachineFilter{State: q.state, After: q.after}
	if q.limit > 0 && !q.filtered() {
		f.Limit = q.limit + 1 // one more says whether another page exists
	}
	key := c.QueryString()
	ctx := c.Request().Context()
	var (
		gen    int64
		cached []byte
	)
	err = s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if gen, err = tx.InventoryGeneration(); err == nil {
			cached, _ = s.lists.get(gen, key)
		}
		return err
	})
	if err != nil {
		return err
	}
	var (
		ms   []store.Machine
		objs []store.Object
	)
	if cached == nil {
		ms, objs, gen, err = s.readMachineList(ctx, f)
		if err != nil {
			return err
		}
	}
	if cached == nil {
		var buf bytes.Buffer
		lw := newListWriter(&buf)
		cont, err := joinMachines(q, ms, objs, lw.add)
		if err != nil {
			return err
		}
		if err := lw.finish(cont); err != nil {
			return err
		}
		cached = buf.Bytes()
		s.lists.put(gen, key, cached)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, cached)
}

// readMachineList reads the machine rows and the Machine objects. The two
// reads run in parallel, each in its own read transaction: every write of
// machines or objects moves the inventory generation in the same
// transaction, so two snapshots that see the same generation hold the same
// machines and objects. When a write lands between them, one snapshot reads
// both instead.
func (s *Server) readMachineList(ctx context.Context, f store.MachineFilter) ([]store.Machine, []store.Object, int64, error) {
	var (
		ms         []store.Machine
		objs       []store.Object
		genM, genO int64
	)
	readMachines := func(tx *store.Tx) (err error) {
		if genM, err = tx.InventoryGeneration(); err != nil {
			return err
		}
		if ms, err = tx.ListMachines(f); err != nil {
			return fmt.Errorf("list machines: %w", err)
		}
		return nil
	}
	readObjects := func(tx *store.Tx) (err error) {
		if genO, err = tx.InventoryGeneration(); err != nil {
			return err
		}
		if objs, err = tx.ListObjects(string(inventory.KindMachine)); err != nil {
			return fmt.Errorf("list machine objects: %w", err)
		}
		return nil
	}
	var g errgroup.Group
	g.Go(func() error { return s.db.View(ctx, readMachines) })
	g.Go(func() error { return s.db.View(ctx, readObjects) })
	if err := g.Wait(); err != nil {
		return nil, nil, 0, err
	}
	if genM == genO {
		return ms, objs, genM, nil
	}
	err := s.db.View(ctx, func(tx *store.Tx) error {
		if err := readMachines(tx); err != nil {
			return err
		}
		return readObjects(tx)
	})
	return ms, objs, genM, err
}

// joinMachines passes each machine the query selects, joined with its
// Machine object, to emit, and returns the continue token.
func joinMachines(q machineQuery, ms []store.Machine, objs []store.Object, emit func(*machineJSON) error) (string, error) {
	byName := make(map[string]*store.Object, len(objs))
	for i := range objs {
		byName[objs[i].Name] = &objs[i]
	}
	allowed := map[string][]string{}
	n, last := 0, ""
	var mj machineJSON // one value reused: emit does not keep it
	for i := range ms {
		o := byName[ms[i].Name]
		if !q.matches(o) {
			continue
		}
		if q.limit > 0 && n == q.limit {
			return last, nil
		}
		mj = toMachineJSON(&ms[i], o, allowedFor(allowed, ms[i].State))
		if err := emit(&mj); err != nil {
			return "", err
		}
		n, last = n+1, ms[i].Name
	}
	return "", nil
}

// allowedFor returns the triggers state accepts, computed once per state.
func allowedFor(cache map[string][]string, state string) []string {
	if a, ok := cache[state]; ok {
		return a
	}
	var a []string
	for _, t := range machine.Allowed(machine.State(state)) {
		a = append(a, string(t))
	}
	cache[state] = a
	return a
}

func toMachineJSON(m *store.Machine, o *store.Object, allowed []string) machineJSON {
	mj := machineJSON{
		Name: m.Name, MAC: m.MAC, State: m.State, StateReason: m.StateReason, FailedStage: m.FailedStage,
		Power: m.Power, Phase: m.Phase, Conditions: m.Conditions, Hardware: m.Hardware,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, StateChangedAt: m.StateChangedAt, Allowed: allowed,
	}
	if o != nil {
		mj.Labels, mj.Spec, mj.Revision = o.Labels, o.Spec, o.Revision
	}
	return mj
}

// getMachine is the machine with its latest events and operations.
func (s *Server) getMachine(c echo.Context) error {
	name := c.Param("name")
	var (
		m    store.Machine
		obj  *store.Object
		evs  []store.Event
		ops  []store.Operation
		errs error
	)
	errs = s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		if m, err = tx.GetMachine(name); err != nil {
			return err
		}
		if obj, err = optionalObject(tx, inventory.KindMachine, name); err != nil {
			return err
		}
		evs, err = tx.ListEvents(store.EventFilter{Machine: name, BeforeID: math.MaxInt64, Limit: detailEvents})
		if err != nil {
			return fmt.Errorf("machine %s: events: %w", name, err)
		}
		if ops, err = tx.ListOperations(name, detailOperations); err != nil {
			return fmt.Errorf("machine %s: operations: %w", name, err)
		}
		return nil
	})
	if errs != nil {
		return errs
	}
	d, err := machineDetail(&m, obj, evs, ops)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, d)
}

func machineDetail(m *store.Machine, o *store.Object, evs []store.Event, ops []store.Operation) (api.MachineDetail, error) {
	d := api.MachineDetail{
		Machine: api.Machine{
			Name: m.Name, MAC: m.MAC, State: m.State, StateReason: m.StateReason, FailedStage: m.FailedStage,
			Power: m.Power, Phase: m.Phase, Conditions: m.Conditions, Hardware: m.Hardware,
			CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, StateChangedAt: m.StateChangedAt,
			Allowed: allowedFor(map[string][]string{}, m.State),
		},
		Events:     evs,
		Operations: ops,
	}
	if d.Events == nil {
		d.Events = []store.Event{}
	}
	if o != nil {
		var spec inventory.MachineSpec
		if err := json.Unmarshal(o.Spec, &spec); err != nil {
			return d, fmt.Errorf("machine %s: decode stored spec: %w", m.Name, err)
		}
		d.Spec, d.Labels, d.Revision = &spec, o.Labels, o.Revision
	}
	return d, nil
}
