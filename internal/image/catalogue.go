// Package image is the image catalogue: it turns the declared Image objects
// into verified, content-addressed files under <dir>/sha256/<hex>, imported
// from a file on the appliance, fetched over http(s) or uploaded through the
// API. Content is streamed to a temporary file in the same directory while
// it is hashed, fsynced, checked against the declared sha256 and the
// declared compression (raw, raw.zst, raw.gz, raw.xz), and only then renamed
// into place; a name link <dir>/<name> → sha256/<hex> follows. An ed25519
// signature, when declared, is checked against the configured keys before
// anything is imported. Each image's state (pending, ready, failed with the
// reason) is a store row and an image.ready / image.failed event; the boot
// server serves only ready images (ImageFile).
//
// The signed message is the image's 32-byte sha256 digest (raw bytes, not
// hex); the signature file holds the 64-byte signature, raw or base64.
// minisign signatures are not supported yet and are refused.
package image

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxBytes     = 64 << 30 // 64 GiB
	DefaultFetchTimeout = 2 * time.Hour
	DefaultPollInterval = 2 * time.Second
	// maxSignatureBytes bounds a signature file.
	maxSignatureBytes = 4 << 10
)

// ContentDir is the directory below Config.Dir holding the content files.
const ContentDir = "sha256"

// Config configures the catalogue.
type Config struct {
	// Dir is the images directory (the boot server's netboot.imagesDir).
	Dir string
	// Keys are the signing keys an image's signature.keyRef names.
	Keys map[string]ed25519.PublicKey
	// MaxBytes bounds one image (fetched, read or uploaded).
	MaxBytes int64
	// FetchTimeout bounds fetching one image over http(s).
	FetchTimeout time.Duration
	// PollInterval is how often Run reads the inventory generation.
	PollInterval time.Duration
	// Client fetches http(s) sources; nil: a client with dial and header timeouts.
	Client *http.Client
}

// Catalogue imports and tracks the declared images.
type Catalogue struct {
	cfg   Config
	db    *store.DB
	log   *slog.Logger
	locks sync.Map // image name → *sync.Mutex: one import of a name at a time
}

// New makes the content directory and removes temporary files a killed
// import left behind.
func New(cfg Config, db *store.DB, log *slog.Logger) (*Catalogue, error) {
	if cfg.Dir == "" || db == nil {
		return nil, errors.New("image: the images dir and the store are required")
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = DefaultFetchTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Client == nil {
		cfg.Client = newClient()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	content := filepath.Join(cfg.Dir, ContentDir)
	if err := os.MkdirAll(content, 0o755); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	for _, d := range []string{cfg.Dir, content} {
		if err := removeTemps(d); err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
	}
	return &Catalogue{cfg: cfg, db: db, log: log}, nil
}

// removeTemps removes the temporary files of interrupted imports.
func removeTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// lock serialises imports of one image name.
func (c *Catalogue) lock(name string) func() {
	m, _ := c.locks.LoadOrStore(name, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// ImageFile maps a name to the file below Dir the boot server sends: the
// content file of a ready image. ok is false for any other name (not
// declared, pending, failed), which the boot server answers with 404.
func (c *Catalogue) ImageFile(ctx context.Context, name string) (string, bool) {
	var st store.ImageStatus
	err := c.db.View(ctx, func(tx *store.Tx) error {
		var err error
		st, err = tx.GetImageStatus(name)
		return err
	})
	if err != nil || st.Status != store.ImageReady || !isHex256(st.SHA256) {
		return "", false
	}
	return ContentDir + "/" + st.SHA256, true
}

// Status returns the status of every image, in name order.
func (c *Catalogue) Status(ctx context.Context) ([]store.ImageStatus, error) {
	var out []store.ImageStatus
	err := c.db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.ListImageStatus()
		return err
	})
	return out, err
}
