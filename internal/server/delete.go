package server

import (
	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/inventory"
)

// deleteDeclared deletes one declared object through the inventory (which
// refuses with a conflict while another object refers to it or when its
// revision is not rev; rev 0 means any).
func (s *Server) deleteDeclared(c echo.Context, kind inventory.Kind, name string, rev int64) error {
	return inventory.Delete(c.Request().Context(), s.db, inventory.Key{Kind: kind, Name: name}, rev, actorOf(c))
}
