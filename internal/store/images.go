package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Image statuses.
const (
	ImagePending = "pending"
	ImageReady   = "ready"
	ImageFailed  = "failed"
)

// ImageStatus is the image catalogue's state of one declared Image: only a
// ready image has verified content (SHA256, Size) that may be served.
// Writing it does not change the inventory generation.
type ImageStatus struct {
	Name   string `json:"name"`
	Status string `json:"status"` // pending | ready | failed
	SHA256 string `json:"sha256"`
	Format string `json:"format"`
	Size   int64  `json:"size"`
	Reason string `json:"reason,omitempty"`
	// RawSize and RawSHA256 are of the decompressed content (what an
	// install writes to a disk); for format raw they equal Size and SHA256.
	RawSize   int64     `json:"rawSize,omitempty"`
	RawSHA256 string    `json:"rawSHA256,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

const (
	imageStatusKind    = "image status"
	imageStatusColumns = "name, status, sha256, format, size, reason, raw_size, raw_sha256, updated_at"
)

func imageStatusReader() rowReader[ImageStatus] {
	var (
		s       ImageStatus
		updated int64
	)
	return rowReader[ImageStatus]{
		dest: []any{&s.Name, &s.Status, &s.SHA256, &s.Format, &s.Size, &s.Reason, &s.RawSize, &s.RawSHA256, &updated},
		read: func() (ImageStatus, error) {
			v := s
			v.UpdatedAt = fromNanos(updated)
			return v, nil
		},
	}
}

// PutImageStatus inserts or replaces an image's status (UpdatedAt: now).
func (tx *Tx) PutImageStatus(s *ImageStatus) error {
	if err := tx.writable(); err != nil {
		return err
	}
	s.UpdatedAt = tx.now
	if _, err := tx.exec("DELETE FROM image_status WHERE name = ?", s.Name); err != nil {
		return failed("put", imageStatusKind, s.Name, err)
	}
	_, err := tx.exec("INSERT INTO image_status ("+imageStatusColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.Name, s.Status, s.SHA256, s.Format, s.Size, s.Reason, s.RawSize, s.RawSHA256, toNanos(s.UpdatedAt))
	if err != nil {
		return failed("put", imageStatusKind, s.Name, err)
	}
	return nil
}

// GetImageStatus returns an image's status or ErrNotFound.
func (tx *Tx) GetImageStatus(name string) (ImageStatus, error) {
	s, err := getOne(tx, imageStatusReader(), "SELECT "+imageStatusColumns+" FROM image_status WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return ImageStatus{}, notFound(imageStatusKind, name)
	}
	if err != nil {
		return ImageStatus{}, fmt.Errorf("get %s %s: %w", imageStatusKind, name, err)
	}
	return s, nil
}

// ListImageStatus returns every image status in name order.
func (tx *Tx) ListImageStatus() ([]ImageStatus, error) {
	rows, err := tx.query("SELECT " + imageStatusColumns + " FROM image_status ORDER BY name")
	out, err := collect(rows, err, 0, imageStatusReader())
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", imageStatusKind, err)
	}
	return out, nil
}

// DeleteImageStatus removes an image's status (no error when there is none).
func (tx *Tx) DeleteImageStatus(name string) error {
	if err := tx.writable(); err != nil {
		return err
	}
	if _, err := tx.exec("DELETE FROM image_status WHERE name = ?", name); err != nil {
		return failed("delete", imageStatusKind, name, err)
	}
	return nil
}
