package ui

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// tableQuery is the machines table's search, filters and order.
type tableQuery struct {
	Q, State, Label, Cluster string
	Sort                     string // name | state | power | rack | cluster | changed
	Desc                     bool
}

func parseTableQuery(c echo.Context) tableQuery {
	q := tableQuery{Q: strings.TrimSpace(c.QueryParam("q")), State: c.QueryParam("state"),
		Label: strings.TrimSpace(c.QueryParam("label")), Cluster: c.QueryParam("cluster"),
		Sort: c.QueryParam("sort"), Desc: c.QueryParam("dir") == "desc"}
	if !slices.Contains([]string{"name", "state", "power", "rack", "cluster", "changed"}, q.Sort) {
		q.Sort = "name"
	}
	return q
}

// matches reports whether the query selects m.
func (q tableQuery) matches(m *machineView) bool {
	if q.State != "" && m.State != q.State {
		return false
	}
	if q.Cluster != "" && m.Cluster != q.Cluster {
		return false
	}
	if q.Label != "" {
		k, v, _ := strings.Cut(q.Label, "=")
		if !m.HasLabel(k, v) {
			return false
		}
	}
	if q.Q == "" {
		return true
	}
	needle := strings.ToLower(q.Q)
	for _, s := range []string{m.Name, m.MAC, m.State, m.Phase, m.BMC, m.Rack, m.Cluster, m.IP} {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}

func (q tableQuery) compare(a, b *machineView) int {
	var c int
	switch q.Sort {
	case "state":
		c = cmp.Compare(slices.Index(machine.States, machine.State(a.State)), slices.Index(machine.States, machine.State(b.State)))
	case "power":
		c = cmp.Compare(a.Power, b.Power)
	case "rack":
		c = cmp.Or(cmp.Compare(a.Rack, b.Rack), cmp.Compare(b.Unit, a.Unit))
	case "cluster":
		c = cmp.Compare(a.Cluster, b.Cluster)
	case "changed":
		c = a.StateChangedAt.Compare(b.StateChangedAt)
	}
	c = cmp.Or(c, cmp.Compare(a.Name, b.Name))
	if q.Desc {
		return -c
	}
	return c
}

// SortURL is the table's URL sorted by col (toggling the direction when
// it is the current column), keeping the filters.
func (q tableQuery) SortURL(col string) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Q, "state": q.State, "label": q.Label, "cluster": q.Cluster} {
		if s != "" {
			v.Set(k, s)
		}
	}
	v.Set("sort", col)
	if q.Sort == col && !q.Desc {
		v.Set("dir", "desc")
	}
	return "/machines?" + v.Encode()
}

// AriaSort is the aria-sort value of column col.
func (q tableQuery) AriaSort(col string) string {
	switch {
	case q.Sort != col:
		return "none"
	case q.Desc:
		return "descending"
	}
	return "ascending"
}

type tableModel struct {
	base
	Now      time.Time
	Q        tableQuery
	Rows     []*machineView
	Total    int
	States   []string
	Clusters []string
	Bulk     []string // bulk actions offered
}

// machinesPage is the searchable, filterable, sortable machines table.
func (u *UI) machinesPage(c echo.Context, r *request) error {
	q := parseTableQuery(c)
	var ms []machineView
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		ms, err = readMachines(tx)
		return err
	})
	if err != nil {
		return err
	}
	m := tableModel{base: u.pageBase(r, "Machines", "machines"), Now: u.now(), Q: q, Total: len(ms),
		Bulk: []string{"power-on", "power-off", "power-reset", "inspect", "provision", "maintenance-on", "maintenance-off"}}
	clusters := map[string]bool{}
	for i := range ms {
		if ms[i].Cluster != "" {
			clusters[ms[i].Cluster] = true
		}
		if q.matches(&ms[i]) {
			m.Rows = append(m.Rows, &ms[i])
		}
	}
	slices.SortFunc(m.Rows, q.compare)
	for _, s := range machine.States {
		m.States = append(m.States, string(s))
	}
	for k := range clusters {
		m.Clusters = append(m.Clusters, k)
	}
	slices.Sort(m.Clusters)
	return u.render(c, http.StatusOK, "machines", &m)
}

type bulkResult struct {
	Name, Message string
	OK            bool
}

type bulkModel struct {
	base
	Action  string
	Names   []string
	Results []bulkResult
	Confirm bool
}

// maxBulk bounds how many machines one bulk action names.
const maxBulk = 1000

// bulk runs one action on the selected machines after a confirmation page.
func (u *UI) bulk(c echo.Context, r *request) error {
	form, err := c.FormParams()
	if err != nil {
		return &pageError{status: http.StatusBadRequest, msg: "unreadable form"}
	}
	m := bulkModel{base: u.pageBase(r, "Bulk action", "machines"), Action: form.Get("action"), Names: form["name"]}
	switch {
	case len(m.Names) == 0:
		return &pageError{status: http.StatusBadRequest, msg: "select at least one machine", field: "name"}
	case len(m.Names) > maxBulk:
		return &pageError{status: http.StatusBadRequest, msg: fmt.Sprintf("at most %d machines at once", maxBulk)}
	case m.Action == "":
		return &pageError{status: http.StatusBadRequest, msg: "choose an action", field: "action"}
	}
	if form.Get("confirm") != "yes" {
		m.Confirm = true
		return u.render(c, http.StatusOK, "bulk", &m)
	}
	for _, name := range m.Names {
		ref, err := u.act.Act(c.Request().Context(), r.actor(), name, api.ActionRequest{Action: m.Action})
		res := bulkResult{Name: name, OK: err == nil, Message: "operation " + ref.ID}
		if err != nil {
			_, res.Message, _ = statusOf(err)
		}
		m.Results = append(m.Results, res)
	}
	return u.render(c, http.StatusOK, "bulk", &m)
}
