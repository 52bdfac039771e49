package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults.
const (
	DefaultDataDir      = "/var/lib/slipway"
	DefaultListen       = ":8443"
	DefaultMaxBodyBytes = 10 << 20
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 60 * time.Second
	DefaultIdleTimeout  = 120 * time.Second
)

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		DataDir: DefaultDataDir,
		Log:     LogConfig{Level: "info", Format: "text"},
		API: APIConfig{
			Listen:       DefaultListen,
			MaxBodyBytes: DefaultMaxBodyBytes,
			ReadTimeout:  Duration(DefaultReadTimeout),
			WriteTimeout: Duration(DefaultWriteTimeout),
			IdleTimeout:  Duration(DefaultIdleTimeout),
		},
		Store:   StoreConfig{Driver: "sqlite"},
		BMC:     DefaultBMC(),
		DHCP:    DefaultDHCP(),
		Netboot: DefaultNetboot(),
	}
}

// Load reads the YAML file at path (strictly: unknown fields are errors that
// name them) over Default(), then applies SLIPWAY_* overrides from env (a
// list of KEY=VALUE as os.Environ returns). An empty path skips the file.
// The result is not validated: call Validate after applying flags.
func Load(path string, env []string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		if err := decode(data, &cfg); err != nil {
			return Config{}, fmt.Errorf("config %s:\n%w", path, err)
		}
	}
	if err := applyEnv(&cfg, env); err != nil {
		return Config{}, fmt.Errorf("config environment:\n%w", err)
	}
	return cfg, nil
}

// decode reads data strictly into cfg. Problems are an ErrorList whose
// entries name the field path and line.
func decode(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	if errors.Is(err, io.EOF) {
		return nil // an empty file keeps the defaults
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		if err != nil {
			return ErrorList{syntaxError(err)}
		}
		return nil
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // it parsed once already
	list := make(ErrorList, 0, len(te.Errors))
	for _, msg := range te.Errors {
		list = append(list, locate(&root, msg))
	}
	return list
}

var (
	lineRe    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// syntaxError turns a YAML parse error ("yaml: line 4: did not find expected
// key") into a FieldError with its line.
func syntaxError(err error) FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return FieldError{Line: line, Message: m[2]}
	}
	return FieldError{Message: msg}
}

// locate turns one yaml.v3 type error message ("line 3: field x not found in
// type config.APIConfig") into a FieldError naming the field path.
func locate(root *yaml.Node, msg string) FieldError {
	m := lineRe.FindStringSubmatch(msg)
	if m == nil {
		return FieldError{Message: msg}
	}
	line, _ := strconv.Atoi(m[1])
	fe := FieldError{Line: line, Message: m[2]}
	key := ""
	if u := unknownRe.FindStringSubmatch(m[2]); u != nil {
		key, fe.Message = u[1], "unknown field"
	}
	fe.Field = pathAt(root, "", line, key)
	return fe
}

// pathAt returns the dotted path of the first mapping entry on line whose key
// is key (any key when key is empty), or whose scalar value is on line.
func pathAt(n *yaml.Node, prefix string, line int, key string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p := pathAt(c, prefix, line, key); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(prefix, k.Value)
			if k.Line == line && (key == "" || k.Value == key) {
				return p
			}
			if key == "" && v.Kind == yaml.ScalarNode && v.Line == line {
				return p
			}
			if q := pathAt(v, p, line, key); q != "" {
				return q
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := prefix + "[" + strconv.Itoa(i) + "]"
			if key == "" && c.Kind == yaml.ScalarNode && c.Line == line {
				return p
			}
			if q := pathAt(c, p, line, key); q != "" {
				return q
			}
		}
	}
	return ""
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
