package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
)

// siteRoutes serve the appliance-run Terraform: sites, their runs (the
// readable plan diff for review), plan and apply of a reviewed plan.
func (s *Server) siteRoutes() []route {
	const sites = "/api/v1/sites"
	get, post := http.MethodGet, http.MethodPost
	return []route{
		{get, sites, auth.Viewer, s.listSites},
		{get, sites + "/:name", auth.Viewer, s.getSite},
		{get, sites + "/:name/runs/:id", auth.Viewer, s.getSiteRun},
		{post, sites + "/:name/plan", auth.Operator, s.planSite},
		{post, sites + "/:name/apply", auth.Operator, s.applySite},
	}
}

func (s *Server) listSites(c echo.Context) error {
	l, err := s.terraform.Sites.List(c.Request().Context())
	if err != nil {
		return err
	}
	if l == nil {
		l = []api.Site{}
	}
	return writeJSON(c, http.StatusOK, api.List[api.Site]{Items: l})
}

func (s *Server) getSite(c echo.Context) error {
	site, err := s.terraform.Sites.Get(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, site)
}

func (s *Server) getSiteRun(c echo.Context) error {
	r, err := s.terraform.Sites.Run(c.Request().Context(), c.Param("name"), c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, r)
}

// planSite runs terraform plan and answers the run (its ID is the plan ID
// apply takes). A failed plan is still a run: 200 with status failed.
func (s *Server) planSite(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "site "+name)
	r, err := s.terraform.Sites.Plan(c.Request().Context(), name, actorOf(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, r)
}

// applySite applies exactly the reviewed plan; a stale or superseded plan is 409.
func (s *Server) applySite(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "site "+name)
	var req api.SiteApplyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.PlanID == "" {
		return badRequest("planId", "required (the ID slipway plan site printed)")
	}
	r, err := s.terraform.Sites.Apply(c.Request().Context(), name, req.PlanID, actorOf(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, r)
}
