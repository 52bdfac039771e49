package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Default and largest page of GET /events and GET /audit.
const (
	defaultPage = 500
	maxPage     = 5000
)

// plan computes what applying the files would change, writing nothing.
func (s *Server) plan(c echo.Context) error {
	var req api.PlanRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	setTarget(c, "inventory")
	p, err := inventory.Apply(c.Request().Context(), s.db, req.Files,
		inventory.ApplyOptions{Prune: req.Prune, DryRun: true, Actor: actorOf(c)})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, api.PlanResponse{Plan: *p})
}

// apply applies the files atomically; with expect, only the reviewed plan.
func (s *Server) apply(c echo.Context) error {
	var req api.ApplyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	setTarget(c, "inventory")
	p, err := inventory.Apply(c.Request().Context(), s.db, req.Files,
		inventory.ApplyOptions{Prune: req.Prune, Expect: req.Expect, Actor: actorOf(c)})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, api.PlanResponse{Plan: *p, Applied: true})
}

func (s *Server) getOperation(c echo.Context) error {
	id := c.Param("id")
	var op store.Operation
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		op, err = tx.GetOperation(id)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, op)
}

// listAudit pages the audit log in ID order; continue is the last ID.
func (s *Server) listAudit(c echo.Context) error {
	limit, err := queryLimit(c, defaultPage, maxPage)
	if err != nil {
		return err
	}
	after, err := queryID("after", c.QueryParam("after"))
	if err != nil {
		return err
	}
	f := store.AuditFilter{Actor: c.QueryParam("actor"), AfterID: after, Limit: limit}
	var rows []store.Audit
	err = s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		rows, err = tx.ListAudit(f)
		return err
	})
	if err != nil {
		return wrapf(err, "list audit")
	}
	out := api.List[store.Audit]{Items: rows}
	if out.Items == nil {
		out.Items = []store.Audit{}
	}
	if len(rows) == limit {
		out.Continue = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return writeJSON(c, http.StatusOK, out)
}
