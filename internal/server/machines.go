package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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

// listMachines answers GET /machines: from the list cache while the
// inventory generation stands, else from the list model (which re-reads
// only the machines whose revisions moved), in one snapshot.
func (s *Server) listMachines(c echo.Context) error {
	q, err := parseMachineQuery(c)
	if err != nil {
		return err
	}
	key := c.QueryString()
	var (
		gen  int64
		body []byte
	)
	err = s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		if gen, err = tx.InventoryGeneration(); err != nil {
			return err
		}
		var hit bool
		if body, hit = s.lists.get(gen, key); hit {
			return nil
		}
		lw := newListWriter()
		cont, err := s.model.render(tx, gen, q, lw)
		if err != nil {
			return err
		}
		body = lw.finish(cont)
		s.lists.put(gen, key, body)
		return nil
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
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
