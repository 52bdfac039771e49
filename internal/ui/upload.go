package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults of image uploads through the Images page (config images.maxBytes
// and images.fetchTimeout set them on the appliance).
const (
	DefaultUploadMaxBytes = 64 << 30
	DefaultUploadTimeout  = 2 * time.Hour
)

// uploadRoute is where the Images page uploads an image's content.
const uploadRoute = "/images/:name/content"

// uploadPath matches uploadRoute before routing (see keepUploadBody).
var uploadPath = regexp.MustCompile(`^/images/[^/]+/content$`)

// Images takes uploaded image content: the image catalogue, the same
// import the API's PUT /api/v1/images/:name/content uses.
type Images interface {
	Upload(ctx context.Context, name string, body io.Reader) (store.ImageStatus, error)
}

// ImageUploads configures uploads from the Images page.
type ImageUploads struct {
	Images Images
	// MaxBytes bounds an upload (413 beyond); Timeout bounds reading it.
	MaxBytes int64
	Timeout  time.Duration
}

// WithImages lets operators upload image content from the Images page.
func WithImages(up ImageUploads) Option {
	return func(u *UI) {
		if up.MaxBytes <= 0 {
			up.MaxBytes = DefaultUploadMaxBytes
		}
		if up.Timeout <= 0 {
			up.Timeout = DefaultUploadTimeout
		}
		u.uploads = up
	}
}

// uploadBody is an upload's request body as the client sent it.
type uploadBody struct {
	r      io.ReadCloser
	length int64
}

const keyUploadBody = "ui.uploadBody"

// keepUploadBody runs before routing (echo Pre): the API server's body
// limit middleware knows only its own routes and would cap an upload at
// the small limit every other page keeps, so the upload route's body is
// set aside here and read under the upload's own limit (uploadImage).
func (u *UI) keepUploadBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method == http.MethodPost && u.uploads.Images != nil && uploadPath.MatchString(req.URL.Path) {
			c.Set(keyUploadBody, &uploadBody{r: req.Body, length: req.ContentLength})
			req.ContentLength = -1 // checked against the upload's limit instead
		}
		return next(c)
	}
}

// uploadImage streams the request body into the catalogue (nothing is held
// in memory) and answers the image's row, or the refusal in it (422).
func (u *UI) uploadImage(c echo.Context, r *request) error {
	name := c.Param("name")
	server.SetTarget(c, name)
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), "multipart/") {
		return &pageError{status: http.StatusUnsupportedMediaType,
			msg: "send the image file itself as the body (application/octet-stream), not a form"}
	}
	body, ok := c.Get(keyUploadBody).(*uploadBody)
	if !ok {
		return errors.New("image upload: the request body was not set aside before routing")
	}
	if body.length > u.uploads.MaxBytes {
		return tooLarge(u.uploads.MaxBytes)
	}
	rc := http.NewResponseController(c.Response())
	deadline := time.Now().Add(u.uploads.Timeout)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
	_, err := u.uploads.Images.Upload(c.Request().Context(), name, http.MaxBytesReader(c.Response(), body.r, u.uploads.MaxBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return tooLarge(u.uploads.MaxBytes)
	case errors.Is(err, image.ErrRefused):
		server.SetResult(c, err.Error())
		return u.renderImageRow(c, r, name, http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		return err
	}
	return u.renderImageRow(c, r, name, http.StatusOK, "")
}

func tooLarge(limit int64) error {
	return &pageError{status: http.StatusRequestEntityTooLarge, field: "content",
		msg: fmt.Sprintf("the image is larger than the upload limit of %d bytes (images.maxBytes)", limit)}
}

// renderImageRow answers the image's table row as it is now in the store.
func (u *UI) renderImageRow(c echo.Context, r *request, name string, status int, refusal string) error {
	var rows []imageRow
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) (err error) { rows, err = u.readImages(tx, r); return err })
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.Name == name {
			row.Error = refusal
			return u.render(c, status, "image-row", row)
		}
	}
	return fmt.Errorf("image %s: %w", name, store.ErrNotFound)
}
