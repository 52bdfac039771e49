package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// deleteDeclared deletes one declared object through the inventory.
// TODO(server): call inventory.Delete once it lands.
func (s *Server) deleteDeclared(c echo.Context, kind inventory.Kind, name string, rev int64) error {
	_, _, _ = kind, name, rev
	return &httpError{status: http.StatusNotImplemented, body: api.Error{Message: "delete is not implemented yet"}}
}
