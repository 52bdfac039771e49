// Package config is the appliance's typed configuration: YAML file, then
// SLIPWAY_* environment overrides, then flags, with Default() and Validate()
// whose errors name the field ("store.dsn: required when store.driver is
// postgres").
package config

import "time"

// Config is the whole appliance configuration.
type Config struct {
	// DataDir holds the SQLite database, pki/, the secret key and the first
	// admin token.
	DataDir   string          `yaml:"dataDir"`
	Log       LogConfig       `yaml:"log"`
	API       APIConfig       `yaml:"api"`
	Store     StoreConfig     `yaml:"store"`
	Infra     InfraConfig     `yaml:"infra"`
	Secrets   SecretsConfig   `yaml:"secrets"`
	Inventory InventoryConfig `yaml:"inventory"`
	BMC       BMCConfig       `yaml:"bmc"`
	DHCP      DHCPConfig      `yaml:"dhcp"`
	Netboot   NetbootConfig   `yaml:"netboot"`
	Images    ImagesConfig    `yaml:"images"`
	Agent     AgentConfig     `yaml:"agent"`
	// Kubernetes configures the clusters the appliance builds.
	Kubernetes KubernetesConfig `yaml:"kubernetes"`
}

// LogConfig configures log/slog.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // text | json
}

// APIConfig configures the HTTPS API server.
type APIConfig struct {
	Listen string `yaml:"listen"` // host:port
	// TLSHosts are extra DNS names / IPs for the server certificate (the
	// host name and loopback are always included).
	TLSHosts []string `yaml:"tlsHosts"`
	// Insecure serves plain HTTP (tests and local development only).
	Insecure     bool     `yaml:"insecure"`
	MaxBodyBytes int64    `yaml:"maxBodyBytes"`
	ReadTimeout  Duration `yaml:"readTimeout"`
	WriteTimeout Duration `yaml:"writeTimeout"`
	IdleTimeout  Duration `yaml:"idleTimeout"`
}

// StoreConfig selects the database.
type StoreConfig struct {
	Driver string `yaml:"driver"` // sqlite | postgres
	// Path of the SQLite file; default <dataDir>/slipway.db.
	Path string `yaml:"path"`
	// DSN is the PostgreSQL connection string (required for postgres).
	DSN string `yaml:"dsn"`
}

// SecretsConfig locates the key that encrypts credentials at rest. The key
// comes from SLIPWAY_SECRET_KEY when set, else from KeyFile (generated 0600
// on first start).
type SecretsConfig struct {
	KeyFile string `yaml:"keyFile"` // default <dataDir>/secret.key
	// Key is the base64 key from SLIPWAY_SECRET_KEY. It is never read from
	// or written to the file.
	Key string `yaml:"-"`
}

// InventoryConfig lists inventory files/directories applied at start-up.
type InventoryConfig struct {
	Paths []string `yaml:"paths"`
	Prune bool     `yaml:"prune"`
}

// Duration is a time.Duration written as a Go duration string ("30s").
type Duration time.Duration
