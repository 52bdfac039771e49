package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// route is one endpoint: the role it needs ("" for none) and its handler.
type route struct {
	method  string
	path    string
	role    string
	handler echo.HandlerFunc
}

// objectKinds are the inventory kinds served under /api/v1/<plural> as
// api.Object (machines, credentials and clusters have their own shapes).
var objectKinds = []struct {
	plural string
	kind   inventory.Kind
}{
	{"networks", inventory.KindNetwork},
	{"images", inventory.KindImage},
	{"fleets", inventory.KindFleet},
}

// routeTable is every route of the API, in one place.
func (s *Server) routeTable() []route {
	const v1 = "/api/v1"
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	rs := []route{
		{get, "/healthz", "", s.healthz},
		{get, "/readyz", "", s.readyz},
		{get, "/metrics", "", echo.WrapHandler(s.metrics.handler())},
		{get, v1 + "/version", auth.Viewer, s.version},
		{get, v1 + "/whoami", auth.Viewer, s.whoami},
		{get, v1 + "/machines", auth.Viewer, s.listMachines},
		{get, v1 + "/machines/:name", auth.Viewer, s.getMachine},
		{post, v1 + "/machines/:name/actions", auth.Operator, s.postAction},
		{del, v1 + "/machines/:name", auth.Operator, s.deleteObject(inventory.KindMachine)},
		{get, v1 + "/operations/:id", auth.Viewer, s.getOperation},
		{get, v1 + "/credentials", auth.Viewer, s.listCredentials},
		{get, v1 + "/credentials/:name", auth.Viewer, s.getCredentials},
		{post, v1 + "/credentials", auth.Admin, s.postCredentials},
		{del, v1 + "/credentials/:name", auth.Admin, s.deleteCredentials},
		{get, v1 + "/events", auth.Viewer, s.events},
		{get, v1 + "/audit", auth.Admin, s.listAudit},
		{post, v1 + "/inventory/plan", auth.Operator, s.plan},
		{post, v1 + "/inventory/apply", auth.Operator, s.apply},
		{get, v1 + "/tokens", auth.Admin, s.listTokens},
		{post, v1 + "/tokens", auth.Admin, s.postToken},
		{del, v1 + "/tokens/:id", auth.Admin, s.deleteToken},
	}
	rs = append(rs, s.terraformRoutes()...)
	rs = append(rs, s.imageRoutes()...)
	rs = append(rs, s.agentRoutes()...)
	rs = append(rs, s.clusterRoutes()...)
	for _, k := range objectKinds {
		rs = append(rs,
			route{get, v1 + "/" + k.plural, auth.Viewer, s.listObjects(k.kind)},
			route{get, v1 + "/" + k.plural + "/:name", auth.Viewer, s.getObject(k.kind)},
			route{del, v1 + "/" + k.plural + "/:name", auth.Operator, s.deleteObject(k.kind)},
		)
	}
	return rs
}

// newEcho builds the router: global middleware (outermost first), then the
// routes, each behind the authorization its role needs.
func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard) // everything worth saying goes through slog
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestID, s.securityHeaders, s.observe, s.audit, s.respond, s.recover, s.limitBody)
	for _, r := range s.routeTable() {
		h := r.handler
		if r.role != "" {
			h = s.authorize(r.role)(h)
		}
		e.Add(r.method, r.path, h)
		s.routes[r.path] = true
	}
	return e
}
