package cli

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// serve reads the file, then the environment, then the flags: with an
// invalid value at each layer, the error names the value of the layer that
// wins, and serve stops before starting anything.
func TestServePrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "slipway.yaml")
	writeFile(t, file, "dataDir: "+dir+"\nlog:\n  level: from-file\n  format: from-file\n")
	tests := []struct {
		name    string
		environ []string
		flags   []string
		want    string
	}{
		{"file", nil, nil, `error: log.level: "from-file" is not one of debug, info, warn, error`},
		{"env over file", []string{"SLIPWAY_LOG_LEVEL=from-env"}, nil, `error: log.level: "from-env"`},
		{"flag over env", []string{"SLIPWAY_LOG_LEVEL=from-env"}, []string{"--log-level", "from-flag"}, `error: log.level: "from-flag"`},
		{"format too", nil, []string{"--log-level", "info", "--log-format", "xml"}, `error: log.format: "xml" is not one of text, json`},
		{"bad env value", []string{"SLIPWAY_API_INSECURE=perhaps"}, nil, `error: SLIPWAY_API_INSECURE: "perhaps" is not a boolean`},
		{"postgres needs dsn", nil, []string{"--log-level", "info", "--log-format", "text", "--store-driver", "postgres"},
			"error: store.dsn: required when store.driver is postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := &testAppliance{home: dir, environ: tt.environ}
			r := ta.run(t, "", append([]string{"serve", "--config", file}, tt.flags...)...)
			assert.Equal(t, 1, r.code())
			assert.Contains(t, r.stderr, tt.want)
			assert.NoFileExists(t, filepath.Join(dir, "admin.token"), "nothing started")
		})
	}
}
