package cli

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/appliance"
	"github.com/slipway-dev/slipway/internal/config"
)

// serveFlags are the serve flags that override the file and the environment.
type serveFlags struct {
	config      string
	dataDir     string
	listen      string
	logLevel    string
	logFormat   string
	storeDriver string
	storeDSN    string
	insecure    bool
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the appliance (API, store, lifecycle) until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.load(cmd, a.env.Environ)
			if err != nil {
				return err
			}
			log := newLogger(a.env.Stderr, cfg.Log)
			v := api.Version{Version: a.env.Version, Commit: a.env.Commit}
			return appliance.Run(cmd.Context(), cfg, log, appliance.WithVersion(v))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "configuration file (YAML)")
	fl.StringVar(&f.dataDir, "data-dir", "", "data directory (database, pki/, secret.key, admin.token)")
	fl.StringVar(&f.listen, "listen", "", "API address host:port")
	fl.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error")
	fl.StringVar(&f.logFormat, "log-format", "", "text or json")
	fl.StringVar(&f.storeDriver, "store-driver", "", "sqlite or postgres")
	fl.StringVar(&f.storeDSN, "store-dsn", "", "PostgreSQL connection string (prefer SLIPWAY_STORE_DSN: flags are visible in ps)")
	fl.BoolVar(&f.insecure, "insecure", false, "serve plain HTTP (development only)")
	return cmd
}

// load reads the file, applies the environment, then the flags that were
// given, and validates the result.
func (f *serveFlags) load(cmd *cobra.Command, environ []string) (config.Config, error) {
	cfg, err := config.Load(f.config, environ)
	if err != nil {
		return cfg, err
	}
	set := func(name string, dst *string, v string) {
		if cmd.Flags().Changed(name) {
			*dst = v
		}
	}
	set("data-dir", &cfg.DataDir, f.dataDir)
	set("listen", &cfg.API.Listen, f.listen)
	set("log-level", &cfg.Log.Level, f.logLevel)
	set("log-format", &cfg.Log.Format, f.logFormat)
	set("store-driver", &cfg.Store.Driver, f.storeDriver)
	set("store-dsn", &cfg.Store.DSN, f.storeDSN)
	if cmd.Flags().Changed("insecure") {
		cfg.API.Insecure = f.insecure
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

// newLogger builds the one logger of the process from a validated config.
func newLogger(w io.Writer, c config.LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated: debug|info|warn|error
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
