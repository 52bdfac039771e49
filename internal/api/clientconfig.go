package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ClientConfig is what `slipway login` stores for the CLI: the server, the
// token and the CA that server's certificate chains to.
type ClientConfig struct {
	Server string `yaml:"server"`
	Token  string `yaml:"token"`
	// CAData is the PEM of the trusted CA (empty: the system roots).
	CAData string `yaml:"caData,omitempty"`
}

// Environment variables of the client configuration.
const (
	EnvClientConfig = "SLIPWAY_CLIENT_CONFIG"
	EnvServer       = "SLIPWAY_SERVER"
	EnvToken        = "SLIPWAY_TOKEN"
	EnvCAFile       = "SLIPWAY_CA_FILE"
)

// lookup returns the last value of key in env (KEY=VALUE entries).
func lookup(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// ClientConfigPath returns $SLIPWAY_CLIENT_CONFIG, or
// $HOME/.config/slipway/client.yaml.
func ClientConfigPath(env []string) (string, error) {
	if p := lookup(env, EnvClientConfig); p != "" {
		return p, nil
	}
	home := lookup(env, "HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("client config: set %s or HOME: %w", EnvClientConfig, err)
		}
	}
	return filepath.Join(home, ".config", "slipway", "client.yaml"), nil
}

// LoadClientConfig reads the client configuration at path (ClientConfigPath
// when empty; a missing file is an empty configuration), then applies
// SLIPWAY_SERVER, SLIPWAY_TOKEN and SLIPWAY_CA_FILE from env.
func LoadClientConfig(path string, env []string) (ClientConfig, error) {
	var cfg ClientConfig
	if path == "" {
		var err error
		if path, err = ClientConfigPath(env); err != nil {
			return cfg, err
		}
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return cfg, fmt.Errorf("client config: %w", err)
	default:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("client config %s: %w", path, err)
		}
	}
	if v := lookup(env, EnvServer); v != "" {
		cfg.Server = v
	}
	if v := lookup(env, EnvToken); v != "" {
		cfg.Token = v
	}
	if v := lookup(env, EnvCAFile); v != "" {
		pem, err := os.ReadFile(v)
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", EnvCAFile, err)
		}
		cfg.CAData = string(pem)
	}
	return cfg, nil
}

// SaveClientConfig writes cfg to path (0600, its directory 0700), replacing
// the file atomically.
func SaveClientConfig(path string, cfg ClientConfig) error {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("client config: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("client config: %w", err)
	}
	f, err := os.CreateTemp(dir, ".client.yaml.*")
	if err != nil {
		return fmt.Errorf("client config: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data) // CreateTemp makes the file 0600
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("client config %s: %w", path, err)
	}
	return nil
}

// Client returns an API client for cfg.
func (cfg ClientConfig) Client() (*Client, error) {
	if cfg.Server == "" {
		return nil, errors.New("no server: run `slipway login --server URL --token-file FILE` or set " + EnvServer)
	}
	return New(cfg.Server, cfg.Token, []byte(cfg.CAData))
}
