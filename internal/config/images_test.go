package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateImages(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	key := base64.StdEncoding.EncodeToString(pub)
	tests := []struct {
		name string
		edit func(*ImagesConfig)
		want []string
	}{
		{"defaults", func(*ImagesConfig) {}, nil},
		{"key", func(c *ImagesConfig) { c.Keys = map[string]string{"release": key} }, nil},
		{"bad keys", func(c *ImagesConfig) {
			c.Keys = map[string]string{"release": key, "short": "AAAA", "junk": "%%"}
		}, []string{"images.keys.junk", "images.keys.short"}},
		{"negative", func(c *ImagesConfig) { c.MaxBytes, c.FetchTimeout = -1, Duration(-time.Second) },
			[]string{"images.maxBytes", "images.fetchTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c.Images)
			err := c.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			assert.Equal(t, tt.want, failedFields(t, err))
		})
	}
	d := ImagesConfig{}.WithDefaults()
	assert.Equal(t, int64(DefaultImagesMaxBytes), d.MaxBytes)
	assert.Equal(t, Duration(DefaultImagesFetchTimeout), d.FetchTimeout)
}
