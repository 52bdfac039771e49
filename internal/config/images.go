package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"time"
)

// Image catalogue defaults.
const (
	DefaultImagesMaxBytes     = 64 << 30 // 64 GiB
	DefaultImagesFetchTimeout = 2 * time.Hour
)

// ImagesConfig configures the image catalogue (internal/image). Its files
// live in netboot.imagesDir (default <dataDir>/images): content under
// sha256/<hex>, and a link per image name.
type ImagesConfig struct {
	// Keys are the ed25519 public keys (base64 of the 32 bytes) an Image's
	// signature.keyRef names.
	Keys map[string]string `yaml:"keys"`
	// MaxBytes bounds one image, fetched or uploaded (default 64 GiB).
	MaxBytes int64 `yaml:"maxBytes"`
	// FetchTimeout bounds fetching one image over http(s) (default 2h).
	FetchTimeout Duration `yaml:"fetchTimeout"`
}

// WithDefaults fills the zero fields with their defaults.
func (c ImagesConfig) WithDefaults() ImagesConfig {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultImagesMaxBytes
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = Duration(DefaultImagesFetchTimeout)
	}
	return c
}

func (c *Config) validateImages(add addFunc) {
	for _, name := range slices.Sorted(maps.Keys(c.Images.Keys)) {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.Images.Keys[name]))
		if err != nil || len(b) != ed25519.PublicKeySize {
			add("images.keys."+name, "not an ed25519 public key (base64 of %d bytes)", ed25519.PublicKeySize)
		}
	}
	if c.Images.MaxBytes < 0 {
		add("images.maxBytes", "must not be negative (0 takes the default, 64 GiB)")
	}
	if c.Images.FetchTimeout < 0 {
		add("images.fetchTimeout", "must not be negative (0 takes the default, 2h)")
	}
}
