package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	require.NoError(t, c.Validate())
	assert.Equal(t, "/var/lib/slipway", c.DataDir)
	assert.Equal(t, ":8443", c.API.Listen)
	assert.Equal(t, int64(10<<20), c.API.MaxBodyBytes)
	assert.Equal(t, 30*time.Second, c.API.ReadTimeout.D())
	assert.Equal(t, 60*time.Second, c.API.WriteTimeout.D())
	assert.Equal(t, 120*time.Second, c.API.IdleTimeout.D())
	assert.Equal(t, "sqlite", c.Store.Driver)
}

// The shipped example documents the defaults: loading it changes nothing.
func TestExampleConfigIsTheDefault(t *testing.T) {
	c, err := Load("../../deploy/examples/slipway.yaml", nil)
	require.NoError(t, err)
	want := Default()
	want.API.TLSHosts = []string{}
	want.Inventory.Paths = []string{}
	assert.Empty(t, cmp.Diff(want, c))
}

func TestLoadFile(t *testing.T) {
	c, err := Load("testdata/good.yaml", nil)
	require.NoError(t, err)
	want := Default()
	want.DataDir = "/srv/slipway"
	want.Log = LogConfig{Level: "debug", Format: "json"}
	want.API.Listen = "127.0.0.1:9443"
	want.API.TLSHosts = []string{"slipway.example", "198.18.0.1"}
	want.API.ReadTimeout = Duration(10 * time.Second)
	want.Store = StoreConfig{Driver: "postgres", DSN: "postgres://slipway@db/slipway"}
	want.Inventory.Paths = []string{"site/"}
	assert.Empty(t, cmp.Diff(want, c))
	require.NoError(t, c.Validate())
}

func TestLoadErrorsNameFieldAndLine(t *testing.T) {
	_, err := Load("testdata/unknown.yaml", nil)
	require.Error(t, err)
	golden(t, "unknown.golden", err.Error()+"\n")
}

func TestLoadSyntaxError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("api:\n  listen: [\n"), 0o600))
	_, err := Load(path, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line")
}

func TestLoadEmptyFileKeepsDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.yaml")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	c, err := Load(path, nil)
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(Default(), c))
}

func TestValidateGolden(t *testing.T) {
	c, err := Load("testdata/invalid.yaml", nil)
	require.NoError(t, err)
	err = c.Validate()
	require.Error(t, err)
	golden(t, "invalid.golden", err.Error()+"\n")
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string // "" means valid
	}{
		{"default", func(*Config) {}, ""},
		{"postgres without dsn", func(c *Config) { c.Store.Driver = "postgres" },
			"store.dsn: required when store.driver is postgres"},
		{"postgres with dsn", func(c *Config) { c.Store.Driver, c.Store.DSN = "postgres", "postgres://x" }, ""},
		{"unknown driver", func(c *Config) { c.Store.Driver = "mysql" },
			`store.driver: "mysql" is not one of sqlite, postgres`},
		{"dsn with sqlite", func(c *Config) { c.Store.DSN = "postgres://x" },
			"store.dsn: only used when store.driver is postgres"},
		{"listen without port", func(c *Config) { c.API.Listen = "localhost" },
			`api.listen: "localhost" is not host:port (like :8443 or 127.0.0.1:8443)`},
		{"listen bad port", func(c *Config) { c.API.Listen = ":https" },
			`api.listen: ":https": port "https" is not a number from 0 to 65535`},
		{"listen ipv6", func(c *Config) { c.API.Listen = "[::1]:8443" }, ""},
		{"listen any port", func(c *Config) { c.API.Listen = "127.0.0.1:0" }, ""},
		{"log level", func(c *Config) { c.Log.Level = "trace" },
			`log.level: "trace" is not one of debug, info, warn, error`},
		{"log format", func(c *Config) { c.Log.Format = "xml" },
			`log.format: "xml" is not one of text, json`},
		{"idle timeout", func(c *Config) { c.API.IdleTimeout = 0 },
			"api.idleTimeout: must be greater than 0 (got 0s)"},
		{"body limit", func(c *Config) { c.API.MaxBodyBytes = -1 },
			"api.maxBodyBytes: must be greater than 0"},
		{"data dir", func(c *Config) { c.DataDir = " " }, "dataDir: required"},
		{"tls host", func(c *Config) { c.API.TLSHosts = []string{"a b"} },
			`api.tlsHosts[0]: "a b" is not a host name or IP address`},
		{"inventory path", func(c *Config) { c.Inventory.Paths = []string{""} },
			"inventory.paths[0]: empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(&c)
			err := c.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestValidateReturnsEveryError(t *testing.T) {
	c := Config{}
	err := c.Validate()
	fields := failedFields(t, err)
	want := []string{"dataDir", "log.level", "log.format", "api.listen", "api.maxBodyBytes",
		"api.readTimeout", "api.writeTimeout", "api.idleTimeout", "store.driver"}
	assert.Empty(t, cmp.Diff(want, fields))
}

func TestEnvOverrides(t *testing.T) {
	env := []string{
		"HOME=/root",
		"SLIPWAY_DATA_DIR=/data",
		"SLIPWAY_LOG_LEVEL=warn",
		"SLIPWAY_LOG_FORMAT=json",
		"SLIPWAY_API_LISTEN=127.0.0.1:1234",
		"SLIPWAY_API_INSECURE=true",
		"SLIPWAY_STORE_DRIVER=postgres",
		"SLIPWAY_STORE_DSN=postgres://env",
		"SLIPWAY_STORE_PATH=/data/x.db",
		"SLIPWAY_SECRETS_KEY_FILE=/keys/k",
		"SLIPWAY_SECRET_KEY=c2VjcmV0",
		"SLIPWAY_INVENTORY_PATHS=a, b,,c",
		"SLIPWAY_UNKNOWN=ignored",
	}
	c, err := Load("testdata/good.yaml", env)
	require.NoError(t, err)
	want := Default()
	want.DataDir = "/data"
	want.Log = LogConfig{Level: "warn", Format: "json"}
	want.API.Listen = "127.0.0.1:1234"
	want.API.Insecure = true
	want.API.TLSHosts = []string{"slipway.example", "198.18.0.1"}
	want.API.ReadTimeout = Duration(10 * time.Second)
	want.Store = StoreConfig{Driver: "postgres", DSN: "postgres://env", Path: "/data/x.db"}
	want.Secrets = SecretsConfig{KeyFile: "/keys/k", Key: "c2VjcmV0"}
	want.Inventory.Paths = []string{"a", "b", "c"}
	assert.Empty(t, cmp.Diff(want, c))
}

func TestEnvBadValueNamesVariable(t *testing.T) {
	_, err := Load("", []string{"SLIPWAY_API_INSECURE=maybe"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `SLIPWAY_API_INSECURE: "maybe" is not a boolean (true or false)`)
}

func TestEnvVarsListed(t *testing.T) {
	assert.Contains(t, EnvVars(), "SLIPWAY_INVENTORY_PATHS")
	assert.Len(t, EnvVars(), 19)
}

func TestDurationRoundTrip(t *testing.T) {
	type doc struct {
		D Duration `yaml:"d"`
	}
	out, err := yaml.Marshal(doc{D: Duration(90 * time.Second)})
	require.NoError(t, err)
	assert.Equal(t, "d: 1m30s\n", string(out))
	var back doc
	require.NoError(t, yaml.Unmarshal(out, &back))
	assert.Equal(t, 90*time.Second, back.D.D())
}

// The secret key never goes to YAML.
func TestSecretKeyNotMarshalled(t *testing.T) {
	c := Default()
	c.Secrets.Key = "c2VjcmV0"
	out, err := yaml.Marshal(c)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "c2VjcmV0")
}

// failedFields returns the field of every error in err, which must be an
// ErrorList.
func failedFields(t *testing.T, err error) []string {
	t.Helper()
	var l ErrorList
	require.ErrorAs(t, err, &l)
	fields := make([]string, len(l))
	for i, e := range l {
		fields[i] = e.Field
	}
	return fields
}
