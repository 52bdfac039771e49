package ui

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

// listPage is how many events or audit rows a page shows.
const listPage = 200

type clustersModel struct {
	base
	Now      time.Time
	Clusters []clusterView
}

type clusterView struct {
	Name, Version, Fleet string
	// Status is the cluster controller's last look (pending before it).
	Status       api.ClusterStatus
	ControlPlane []*machineView
	Workers      []*machineView
	Summary      summaryModel
}

// clustersPage shows each declared cluster with its machines and states.
func (u *UI) clustersPage(c echo.Context, r *request) error {
	m := clustersModel{base: u.pageBase(r, "Clusters", "clusters"), Now: u.now()}
	var (
		cls []api.Cluster
		ms  []machineView
	)
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		if cls, err = server.ReadClusters(tx, ""); err != nil {
			return err
		}
		ms, err = readMachines(tx)
		return err
	})
	if err != nil {
		return err
	}
	for _, cl := range cls {
		var s inventory.ClusterSpec
		if err := json.Unmarshal(cl.Spec, &s); err != nil {
			return fmt.Errorf("cluster %s: stored spec: %w", cl.Name, err)
		}
		v := clusterOf(cl.Name, &s, ms)
		v.Status = cl.Status
		m.Clusters = append(m.Clusters, v)
	}
	return u.render(c, http.StatusOK, "clusters", &m)
}

func clusterOf(name string, s *inventory.ClusterSpec, ms []machineView) clusterView {
	v := clusterView{Name: name, Version: s.KubernetesVersion, Fleet: s.Fleet}
	var members []machineView
	for i := range ms {
		mv := &ms[i]
		switch {
		case slices.Contains(s.ControlPlane.Machines, mv.Name):
			v.ControlPlane = append(v.ControlPlane, mv)
		case slices.Contains(s.Workers.Machines, mv.Name) || mv.Cluster == name || selects(s.Workers.Selector, mv):
			v.Workers = append(v.Workers, mv)
		default:
			continue
		}
		members = append(members, *mv)
	}
	v.Summary = summarize(members)
	return v
}

func selects(sel map[string]string, m *machineView) bool {
	if len(sel) == 0 {
		return false
	}
	for k, want := range sel {
		if !m.HasLabel(k, want) {
			return false
		}
	}
	return true
}

type eventsModel struct {
	base
	Machine, Type string
	Events        []store.Event // newest first
}

// eventsPage is the newest events, filtered by machine and type, live.
func (u *UI) eventsPage(c echo.Context, r *request) error {
	m := eventsModel{base: u.pageBase(r, "Events", "events"), Machine: c.QueryParam("machine"), Type: c.QueryParam("type")}
	var evs []store.Event
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		evs, err = tx.ListEvents(store.EventFilter{Machine: m.Machine, Type: m.Type, BeforeID: math.MaxInt64, Limit: listPage})
		return err
	})
	if err != nil {
		return err
	}
	var after int64
	for i := len(evs) - 1; i >= 0; i-- {
		m.Events = append(m.Events, evs[i])
		after = max(after, evs[i].ID)
	}
	if after == 0 {
		if err := u.db.View(c.Request().Context(), func(tx *store.Tx) (err error) { after, err = lastEventID(tx); return err }); err != nil {
			return err
		}
	}
	q := url.Values{"view": {"events"}, "after": {strconv.FormatInt(after, 10)}}
	if m.Machine != "" {
		q.Set("machine", m.Machine)
	}
	if m.Type != "" {
		q.Set("type", m.Type)
	}
	m.Stream = "/ui/stream?" + q.Encode()
	return u.render(c, http.StatusOK, "events", &m)
}

type auditModel struct {
	base
	Actor string
	Rows  []store.Audit // newest first
}

// auditPage is the audit log (admins only).
func (u *UI) auditPage(c echo.Context, r *request) error {
	m := auditModel{base: u.pageBase(r, "Audit", "audit"), Actor: c.QueryParam("actor")}
	var rows []store.Audit
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		rows, err = tx.ListAudit(store.AuditFilter{Actor: m.Actor, Limit: 100000})
		return err
	})
	if err != nil {
		return err
	}
	for i := len(rows) - 1; i >= 0 && len(m.Rows) < listPage; i-- {
		m.Rows = append(m.Rows, rows[i])
	}
	return u.render(c, http.StatusOK, "audit", &m)
}
