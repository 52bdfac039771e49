package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// imageContentRoute is where an image's content is uploaded.
const imageContentRoute = "/api/v1/images/:name/content"

// Images takes uploaded image content (the image catalogue implements it).
type Images interface {
	// Upload stores body as the declared image's content once it is
	// verified; image.ErrRefused when it does not match the declaration.
	Upload(ctx context.Context, name string, body io.Reader) (store.ImageStatus, error)
}

// ImageUploads configures the upload route.
type ImageUploads struct {
	Images Images
	// MaxBytes bounds an upload (413 beyond); Timeout bounds reading it.
	MaxBytes int64
	Timeout  time.Duration
}

// WithImages serves PUT /api/v1/images/:name/content.
func WithImages(u ImageUploads) Option { return func(s *Server) { s.images = u } }

// imageRoutes are the image status routes and, with a catalogue, the upload.
func (s *Server) imageRoutes() []route {
	const v1 = "/api/v1"
	rs := []route{
		{http.MethodGet, v1 + "/image-status", auth.Viewer, s.listImageStatus},
		{http.MethodGet, v1 + "/images/:name/status", auth.Viewer, s.getImageStatus},
	}
	if s.images.Images != nil {
		rs = append(rs, route{http.MethodPut, imageContentRoute, auth.Operator, s.putImageContent})
	}
	return rs
}

// bodyLimit is the body limit of the route c matched.
func (s *Server) bodyLimit(c echo.Context) int64 {
	if c.Path() == imageContentRoute && s.images.MaxBytes > 0 {
		return s.images.MaxBytes
	}
	return s.cfg.MaxBodyBytes
}

func (s *Server) listImageStatus(c echo.Context) error {
	var out []store.ImageStatus
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		out, err = tx.ListImageStatus()
		return err
	})
	if err != nil {
		return fmt.Errorf("list image status: %w", err)
	}
	return writeJSON(c, http.StatusOK, api.List[store.ImageStatus]{Items: append(make([]store.ImageStatus, 0, len(out)), out...)})
}

// getImageStatus answers the status of a declared image: pending until the
// catalogue has recorded one.
func (s *Server) getImageStatus(c echo.Context) error {
	name := c.Param("name")
	var st store.ImageStatus
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		o, err := tx.GetObject(string(inventory.KindImage), name)
		if err != nil {
			return err
		}
		st, err = tx.GetImageStatus(name)
		if errors.Is(err, store.ErrNotFound) {
			st, err = store.ImageStatus{Name: name, Status: store.ImagePending, Reason: "not imported yet",
				UpdatedAt: o.UpdatedAt}, nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, st)
}

// putImageContent streams the body into the catalogue. It may take long:
// the read and write deadlines are the upload timeout, not the API's.
func (s *Server) putImageContent(c echo.Context) error {
	rc := http.NewResponseController(c.Response())
	deadline := time.Now().Add(s.images.Timeout)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
	st, err := s.images.Images.Upload(c.Request().Context(), c.Param("name"), c.Request().Body)
	if errors.Is(err, image.ErrRefused) {
		return &httpError{status: http.StatusUnprocessableEntity, body: api.Error{Message: err.Error(), Field: "content"}}
	}
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, st)
}
