package appliance

import (
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

// newImages builds the image catalogue on the boot server's images
// directory (netboot.imagesDir, default <dataDir>/images), with the
// configured signing keys.
func newImages(cfg config.Config, db *store.DB, log *slog.Logger) (*image.Catalogue, error) {
	ic := cfg.Images.WithDefaults()
	keys := make(map[string]ed25519.PublicKey, len(ic.Keys))
	for _, name := range slices.Sorted(maps.Keys(ic.Keys)) {
		k, err := image.ParseKey(ic.Keys[name])
		if err != nil {
			return nil, fmt.Errorf("images.keys.%s: %w", name, err)
		}
		keys[name] = k
	}
	return image.New(image.Config{
		Dir:          cfg.Netboot.WithDefaults(cfg.DataDir).ImagesDir,
		Keys:         keys,
		MaxBytes:     ic.MaxBytes,
		FetchTimeout: ic.FetchTimeout.D(),
	}, db, log.With("component", "images"))
}

// imagesOption serves image uploads into the catalogue.
func imagesOption(cfg config.Config, cat *image.Catalogue) server.Option {
	ic := cfg.Images.WithDefaults()
	return server.WithImages(server.ImageUploads{Images: cat, MaxBytes: ic.MaxBytes, Timeout: ic.FetchTimeout.D()})
}
