package config

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Enumerations accepted by Validate.
var (
	LogLevels    = []string{"debug", "info", "warn", "error"}
	LogFormats   = []string{"text", "json"}
	StoreDrivers = []string{"sqlite", "postgres"}
)

// Validate checks every field and returns all problems (an ErrorList), each
// naming its field ("api.listen: ...").
func (c *Config) Validate() error {
	var l ErrorList
	add := func(field, format string, args ...any) {
		l = append(l, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.DataDir) == "" {
		add("dataDir", "required")
	}
	checkEnum(add, "log.level", c.Log.Level, LogLevels)
	checkEnum(add, "log.format", c.Log.Format, LogFormats)
	c.validateAPI(add)
	c.validateInfra(add)
	c.validateStore(add)
	c.validateBMC(add)
	c.validateDHCP(add)
	c.validateNetboot(add)
	c.validateImages(add)
	c.validateAgent(add)
	c.validateKubernetes(add)
	for i, p := range c.Inventory.Paths {
		if strings.TrimSpace(p) == "" {
			add("inventory.paths["+strconv.Itoa(i)+"]", "empty path")
		}
	}
	return l.err()
}

type addFunc func(field, format string, args ...any)

func (c *Config) validateAPI(add addFunc) {
	if err := checkHostPort(c.API.Listen); err != nil {
		add("api.listen", "%v", err)
	}
	for i, h := range c.API.TLSHosts {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " /:") && net.ParseIP(h) == nil {
			add("api.tlsHosts["+strconv.Itoa(i)+"]", "%q is not a host name or IP address", h)
		}
	}
	if c.API.MaxBodyBytes <= 0 {
		add("api.maxBodyBytes", "must be greater than 0")
	}
	for _, d := range []struct {
		field string
		v     Duration
	}{
		{"api.readTimeout", c.API.ReadTimeout},
		{"api.writeTimeout", c.API.WriteTimeout},
		{"api.idleTimeout", c.API.IdleTimeout},
	} {
		if d.v <= 0 {
			add(d.field, "must be greater than 0 (got %s)", d.v)
		}
	}
}

func (c *Config) validateStore(add addFunc) {
	switch c.Store.Driver {
	case "sqlite":
		if c.Store.DSN != "" {
			add("store.dsn", "only used when store.driver is postgres")
		}
	case "postgres":
		if strings.TrimSpace(c.Store.DSN) == "" {
			add("store.dsn", "required when store.driver is postgres")
		}
	default:
		checkEnum(add, "store.driver", c.Store.Driver, StoreDrivers)
	}
}

func checkEnum(add addFunc, field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// checkHostPort accepts host:port with an optional host and a numeric port
// (0 picks a free port).
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port (like :8443 or 127.0.0.1:8443)", s)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q: bad host %q", s, host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, port)
	}
	return nil
}
