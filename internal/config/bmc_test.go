package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateBMC(t *testing.T) {
	tests := []struct {
		name string
		edit func(*BMCConfig)
		want []string
	}{
		{"defaults", func(*BMCConfig) {}, nil},
		{"zero takes defaults", func(b *BMCConfig) { *b = BMCConfig{} }, nil},
		{"negative", func(b *BMCConfig) {
			b.MaxConcurrent, b.Retries, b.VerifyTimeout = -1, -1, Duration(-time.Second)
		}, []string{"bmc.maxConcurrent", "bmc.retries", "bmc.verifyTimeout"}},
		{"call longer than operation", func(b *BMCConfig) {
			b.CallTimeout, b.OperationTimeout = Duration(time.Minute), Duration(time.Second)
		}, []string{"bmc.callTimeout"}},
		{"cipher suite", func(b *BMCConfig) { b.IPMICipherSuite = "7" }, []string{"bmc.ipmiCipherSuite"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c.BMC)
			err := c.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			assert.Equal(t, tt.want, failedFields(t, err))
		})
	}
}
