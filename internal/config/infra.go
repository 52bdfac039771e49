package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultDriftInterval is how often each site's drift plan runs.
const DefaultDriftInterval = 10 * time.Minute

// InfraConfig configures the appliance-run Terraform (internal/infra).
// Sites are configuration, not inventory: each names a directory on the
// appliance and runs a binary the appliance was given, which is deployment
// detail rather than declared topology.
type InfraConfig struct {
	// Terraform is the terraform 1.5.7 binary (`make` builds one into
	// .cache/bin). Empty: sites cannot run.
	Terraform string `yaml:"terraform"`
	// ProviderMirror is the filesystem mirror holding
	// terraform-provider-slipway (`make` builds .cache/terraform/mirror).
	ProviderMirror string `yaml:"providerMirror"`
	// DriftInterval is how often each site is planned to detect drift
	// (default 10m; negative disables).
	DriftInterval Duration `yaml:"driftInterval"`
	// RunTimeout bounds one plan or apply (default 30m).
	RunTimeout Duration     `yaml:"runTimeout"`
	Sites      []SiteConfig `yaml:"sites"`
}

// SiteConfig is one root module the appliance plans and applies.
type SiteConfig struct {
	Name string `yaml:"name"`
	// Module is the directory of the site's Terraform module.
	Module string `yaml:"module"`
	// Vars are the module's input variables.
	Vars map[string]any `yaml:"vars"`
}

func (c *Config) validateInfra(add addFunc) {
	if c.Infra.Terraform != "" {
		if st, err := os.Stat(c.Infra.Terraform); err != nil || st.IsDir() {
			add("infra.terraform", "%q is not an executable file", c.Infra.Terraform)
		}
	} else if len(c.Infra.Sites) > 0 {
		add("infra.terraform", "required when infra.sites is set (the terraform 1.5.7 binary)")
	}
	seen := map[string]bool{}
	for i, s := range c.Infra.Sites {
		f := "infra.sites[" + strconv.Itoa(i) + "]"
		switch {
		case !validLabel(s.Name):
			add(f+".name", "%q is not a valid name (lower case letters, digits and '-')", s.Name)
		case seen[s.Name]:
			add(f+".name", "duplicate site %q", s.Name)
		}
		seen[s.Name] = true
		if st, err := os.Stat(s.Module); err != nil || !st.IsDir() {
			add(f+".module", "%q is not a directory", s.Module)
		} else if m, _ := filepath.Glob(filepath.Join(s.Module, "*.tf")); len(m) == 0 {
			add(f+".module", "%q holds no .tf file", s.Module)
		}
	}
}

func validLabel(s string) bool {
	if s == "" || len(s) > 63 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}
