package config

import (
	"fmt"
	"strconv"
	"strings"
)

// envVar is one SLIPWAY_* override: the variable and how it sets the config.
type envVar struct {
	name  string
	apply func(c *Config, v string) error
}

// envVars is every environment override, explicitly. A variable absent from
// this table is ignored.
var envVars = []envVar{
	{"SLIPWAY_DATA_DIR", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"SLIPWAY_KUBERNETES_ARTIFACTS_DIR", func(c *Config, v string) error { c.Kubernetes.ArtifactsDir = v; return nil }},
	{"SLIPWAY_INFRA_TERRAFORM", func(c *Config, v string) error { c.Infra.Terraform = v; return nil }},
	{"SLIPWAY_INFRA_PROVIDER_MIRROR", func(c *Config, v string) error { c.Infra.ProviderMirror = v; return nil }},
	{"SLIPWAY_LOG_LEVEL", func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"SLIPWAY_LOG_FORMAT", func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{"SLIPWAY_API_LISTEN", func(c *Config, v string) error { c.API.Listen = v; return nil }},
	{"SLIPWAY_API_INSECURE", func(c *Config, v string) error { return setBool(&c.API.Insecure, v) }},
	{"SLIPWAY_STORE_DRIVER", func(c *Config, v string) error { c.Store.Driver = v; return nil }},
	{"SLIPWAY_STORE_DSN", func(c *Config, v string) error { c.Store.DSN = v; return nil }},
	{"SLIPWAY_STORE_PATH", func(c *Config, v string) error { c.Store.Path = v; return nil }},
	{"SLIPWAY_SECRETS_KEY_FILE", func(c *Config, v string) error { c.Secrets.KeyFile = v; return nil }},
	{"SLIPWAY_SECRET_KEY", func(c *Config, v string) error { c.Secrets.Key = v; return nil }},
	{"SLIPWAY_INVENTORY_PATHS", func(c *Config, v string) error { c.Inventory.Paths = splitList(v); return nil }},
	{"SLIPWAY_NETBOOT_ENABLED", func(c *Config, v string) error { return setBool(&c.Netboot.Enabled, v) }},
	{"SLIPWAY_NETBOOT_HTTP_LISTEN", func(c *Config, v string) error { c.Netboot.HTTPListen = v; return nil }},
	{"SLIPWAY_NETBOOT_TFTP_LISTEN", func(c *Config, v string) error { c.Netboot.TFTPListen = v; return nil }},
	{"SLIPWAY_NETBOOT_ADVERTISE_URL", func(c *Config, v string) error { c.Netboot.AdvertiseURL = v; return nil }},
	{"SLIPWAY_NETBOOT_AGENT_DIR", func(c *Config, v string) error { c.Netboot.AgentDir = v; return nil }},
}

// EnvVars returns the names of the environment variables Load reads.
func EnvVars() []string {
	out := make([]string, len(envVars))
	for i, e := range envVars {
		out[i] = e.name
	}
	return out
}

// applyEnv applies the overrides present in env (KEY=VALUE entries; the last
// entry of a key wins). A bad value is an error naming the variable; the
// secret key's value never appears in an error.
func applyEnv(c *Config, env []string) error {
	vals := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vals[k] = v
		}
	}
	var errs ErrorList
	for _, e := range envVars {
		v, ok := vals[e.name]
		if !ok {
			continue
		}
		if err := e.apply(c, v); err != nil {
			errs = append(errs, FieldError{Field: e.name, Message: err.Error()})
		}
	}
	return errs.err()
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q is not a boolean (true or false)", v)
	}
	*dst = b
	return nil
}

// splitList splits a comma list, dropping empty entries.
func splitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
