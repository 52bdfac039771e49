package config

// Default returns the configuration used when nothing is set.
func Default() Config { panic("unimplemented") }

// Load reads the YAML file at path (strictly: unknown fields are errors that
// name them) over Default(), then applies SLIPWAY_* overrides from env (a
// list of KEY=VALUE as os.Environ returns). An empty path skips the file.
// The result is not validated: call Validate after applying flags.
func Load(path string, env []string) (Config, error) { panic("unimplemented") }

// Validate checks every field and returns all problems, each naming its
// field ("api.listen: ...").
func (c *Config) Validate() error { panic("unimplemented") }
