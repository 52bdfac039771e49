package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
)

func (s *Server) listTokens(c echo.Context) error {
	var ts []store.Token
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		ts, err = tx.ListTokens()
		return err
	})
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	if ts == nil {
		ts = []store.Token{}
	}
	return writeJSON(c, http.StatusOK, api.List[store.Token]{Items: ts})
}

// postToken creates a token; its secret is in the answer once and nowhere else.
func (s *Server) postToken(c echo.Context) error {
	var req api.TokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	setTarget(c, req.Name)
	if !validName(req.Name) {
		return badRequest("name", "%q is not a valid token name (lower case letters, digits and '-', at most 63 characters)", req.Name)
	}
	if !auth.ValidRole(req.Role) {
		return badRequest("role", "%q is not one of viewer, operator, admin", req.Role)
	}
	var ttl time.Duration
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			return badRequest("ttl", "want a positive Go duration such as 720h, got %q", req.TTL)
		}
		ttl = d
	}
	secret, t, err := auth.New(req.Name, req.Role, actorOf(c), ttl, s.now())
	if err != nil {
		return fmt.Errorf("token %s: %w", req.Name, err)
	}
	err = s.db.Update(c.Request().Context(), func(tx *store.Tx) error { return tx.CreateToken(&t) })
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, api.TokenResponse{Info: t, Token: secret})
}

// deleteToken revokes a token at once (the verification cache forgets it).
func (s *Server) deleteToken(c echo.Context) error {
	id := c.Param("id")
	err := s.db.Update(c.Request().Context(), func(tx *store.Tx) error { return tx.DeleteToken(id) })
	s.tokens.forget(id)
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
