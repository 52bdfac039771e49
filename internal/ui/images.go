package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

type imagesModel struct {
	base
	Images []imageRow
	Upload bool // the caller may upload content (operators, with a catalogue)
}

type imageView struct {
	Name, Source, Format, SHA256, Signature string
	// Status is the catalogue's: pending (not imported yet), ready
	// (verified and served) or failed (Reason says why).
	Status, Reason string
	Size           int64
	Machines       int
	UpdatedAt      time.Time
}

// imageRow is one row of the Images table, with its upload control.
type imageRow struct {
	imageView
	Upload bool
	CSRF   string
	Error  string // why the last upload was refused
}

// imagesPage lists the declared images with their catalogue status,
// format, checksum and signature, how many machines use each, and for
// operators an upload control per image.
func (u *UI) imagesPage(c echo.Context, r *request) error {
	m := imagesModel{base: u.pageBase(r, "Images", "images"), Upload: u.canUpload(r)}
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) (err error) { m.Images, err = u.readImages(tx, r); return err })
	if err != nil {
		return err
	}
	return u.render(c, http.StatusOK, "images", &m)
}

func (u *UI) canUpload(r *request) bool { return u.uploads.Images != nil && r.can(auth.Operator) }

// readImages reads every declared image with its status.
func (u *UI) readImages(tx *store.Tx, r *request) ([]imageRow, error) {
	objs, err := tx.ListObjects(string(inventory.KindImage))
	if err != nil {
		return nil, err
	}
	ms, err := readMachines(tx)
	if err != nil {
		return nil, err
	}
	statuses, err := tx.ListImageStatus()
	if err != nil {
		return nil, err
	}
	byName := make(map[string]store.ImageStatus, len(statuses))
	for _, st := range statuses {
		byName[st.Name] = st
	}
	out := make([]imageRow, 0, len(objs))
	for _, o := range objs {
		v, err := newImageView(&o, byName, ms)
		if err != nil {
			return nil, err
		}
		out = append(out, imageRow{imageView: v, Upload: u.canUpload(r), CSRF: r.csrf})
	}
	return out, nil
}

func newImageView(o *store.Object, statuses map[string]store.ImageStatus, ms []machineView) (imageView, error) {
	var s inventory.ImageSpec
	if err := json.Unmarshal(o.Spec, &s); err != nil {
		return imageView{}, fmt.Errorf("image %s: stored spec: %w", o.Name, err)
	}
	v := imageView{Name: o.Name, Source: s.URL + s.File, Format: s.Format, SHA256: s.SHA256,
		Signature: "unsigned", UpdatedAt: o.UpdatedAt, Status: "pending"}
	if st, ok := statuses[o.Name]; ok {
		v.Status, v.Reason, v.Size = st.Status, st.Reason, st.Size
	}
	if s.Signature != nil {
		v.Signature = "signed (key " + s.Signature.KeyRef + ")"
	}
	for i := range ms {
		if ms[i].Image == o.Name {
			v.Machines++
		}
	}
	return v, nil
}
