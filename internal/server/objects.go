package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

func toAPIObject(o store.Object) api.Object {
	return api.Object{Kind: o.Kind, Name: o.Name, Labels: o.Labels, Spec: o.Spec,
		Revision: o.Revision, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// optionalObject returns the object, or nil when it does not exist.
func optionalObject(tx *store.Tx, kind inventory.Kind, name string) (*store.Object, error) {
	o, err := tx.GetObject(string(kind), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (s *Server) listObjects(kind inventory.Kind) echo.HandlerFunc {
	return func(c echo.Context) error {
		var objs []store.Object
		err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
			var err error
			objs, err = tx.ListObjects(string(kind))
			return err
		})
		if err != nil {
			return fmt.Errorf("list %s: %w", kind, err)
		}
		out := api.List[api.Object]{Items: make([]api.Object, 0, len(objs))}
		for _, o := range objs {
			out.Items = append(out.Items, toAPIObject(o))
		}
		return writeJSON(c, http.StatusOK, out)
	}
}

func (s *Server) getObject(kind inventory.Kind) echo.HandlerFunc {
	return func(c echo.Context) error {
		name := c.Param("name")
		var o store.Object
		err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
			var err error
			o, err = tx.GetObject(string(kind), name)
			return err
		})
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, toAPIObject(o))
	}
}

// deleteObject deletes a declared object (for a Machine, its machine too)
// through the inventory, which refuses with 409 when it is referenced or
// its revision is not ?revision=.
func (s *Server) deleteObject(kind inventory.Kind) echo.HandlerFunc {
	return func(c echo.Context) error {
		rev, err := queryRevision(c)
		if err != nil {
			return err
		}
		name := c.Param("name")
		if err := s.deleteDeclared(c, kind, name, rev); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
