package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "dataDir: /srv\nstore:\n  driver: postgres\napi:\n  listen: \"8443\"\n  lisen: x\n")
	invalid := filepath.Join(dir, "invalid.yaml")
	writeFile(t, invalid, "store:\n  driver: mysql\nlog:\n  level: loud\n")
	tests := []struct {
		name   string
		file   string
		code   int
		stdout string
		stderr string
	}{
		{"example", "../../deploy/examples/slipway.yaml", 0, "ok\n", ""},
		{"unknown field", bad, 1, "", "error: config " + bad + ":\nerror: api.lisen: unknown field (line 6)\n"},
		{"every problem", invalid, 1, "",
			"error: log.level: \"loud\" is not one of debug, info, warn, error\n" +
				"error: store.driver: \"mysql\" is not one of sqlite, postgres\n"},
		{"missing", filepath.Join(dir, "absent.yaml"), 1, "", "error: config: open " + filepath.Join(dir, "absent.yaml") + ": no such file or directory\n"},
	}
	ta := &testAppliance{home: dir}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ta.run(t, "", "config", "check", tt.file)
			assert.Equal(t, tt.code, r.code())
			assert.Equal(t, tt.stdout, r.stdout)
			assert.Equal(t, tt.stderr, r.stderr)
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
