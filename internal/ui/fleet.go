package ui

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

type fleetModel struct {
	base
	Now  time.Time
	View api.FleetView
}

// fleetPage shows the health of every cluster grouped by fleet, as GET
// /api/v1/fleet does.
func (u *UI) fleetPage(c echo.Context, r *request) error {
	m := fleetModel{base: u.pageBase(r, "Fleet", "fleet"), Now: u.now()}
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) (err error) {
		m.View, err = server.ReadFleetView(tx)
		return err
	})
	if err != nil {
		return err
	}
	return u.render(c, http.StatusOK, "fleet", &m)
}

// fleetRows is one fleet's clusters and the page's clock.
type fleetRows struct {
	Clusters []api.FleetCluster
	Now      time.Time
}

func newFleetRows(cs []api.FleetCluster, now time.Time) fleetRows {
	return fleetRows{Clusters: cs, Now: now}
}

// day is a date, or — when t is zero.
func day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.DateOnly)
}
