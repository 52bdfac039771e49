package infra

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/slipway-dev/slipway/internal/config"
)

// Files in a site's working directory.
const (
	rootFile   = "main.tf.json"
	cliConfig  = "terraformrc"
	planFile   = "site.tfplan"
	lockFile   = ".terraform.lock.hcl"
	providerID = "slipway-dev/slipway"
)

// workspace is a site's working directory and the terraform that runs in it.
type workspace struct {
	dir string
	tf  *tfexec.Terraform
	out *limitedBuffer
}

// prepare writes the site's root module (the site's module called with its
// vars, the http backend, the provider) and the CLI config, and returns a
// terraform ready to run there. Secrets (the token) go only in the
// environment of the terraform process.
func (r *Runner) prepare(s config.SiteConfig) (*workspace, error) {
	if r.cfg.Terraform == "" {
		return nil, ErrNotConfigured
	}
	r.mu.Lock()
	ep := r.endpoint
	r.mu.Unlock()
	if ep.URL == "" {
		return nil, fmt.Errorf("site %s: the API endpoint is not known yet", s.Name)
	}
	dir, err := filepath.Abs(filepath.Join(r.cfg.WorkDir, s.Name))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("site %s: %w", s.Name, err)
	}
	root, err := rootModule(dir, s, ep)
	if err != nil {
		return nil, err
	}
	mirror, _ := filepath.Abs(r.cfg.ProviderMirror)
	rc := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	for name, data := range map[string][]byte{rootFile: root, cliConfig: []byte(rc)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("site %s: %w", s.Name, err)
		}
	}
	// The provider in the mirror is rebuilt by make: re-pin it every run.
	_ = os.Remove(filepath.Join(dir, lockFile))
	tf, err := tfexec.NewTerraform(dir, r.cfg.Terraform)
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", s.Name, err)
	}
	stateURL := strings.TrimRight(ep.URL, "/") + "/api/v1/tfstate/" + StateName(s.Name)
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": dir,
		"TF_CLI_CONFIG_FILE":                dir + "/" + cliConfig,
		"SLIPWAY_TOKEN":                     ep.Token,
		"TF_HTTP_ADDRESS":                   stateURL,
		"TF_HTTP_LOCK_ADDRESS":              stateURL,
		"TF_HTTP_UNLOCK_ADDRESS":            stateURL,
		"TF_HTTP_USERNAME":                  "infra",
		"TF_HTTP_PASSWORD":                  ep.Token,
		"TF_HTTP_CLIENT_CA_CERTIFICATE_PEM": string(ep.CAPEM),
	}
	if err := tf.SetEnv(env); err != nil {
		return nil, fmt.Errorf("site %s: %w", s.Name, err)
	}
	w := &workspace{dir: dir, tf: tf, out: &limitedBuffer{max: maxOutput}}
	tf.SetStdout(w.out)
	tf.SetStderr(w.out)
	return w, nil
}

// rootModule is the generated root: required provider, backend, provider
// settings (the token comes from SLIPWAY_TOKEN) and the site module.
func rootModule(dir string, s config.SiteConfig, ep Endpoint) ([]byte, error) {
	abs, err := filepath.Abs(s.Module)
	if err != nil {
		return nil, err
	}
	src, err := filepath.Rel(dir, abs)
	if err != nil {
		return nil, fmt.Errorf("site %s: module: %w", s.Name, err)
	}
	if !strings.HasPrefix(src, "..") {
		src = "./" + src
	}
	call := map[string]any{"source": filepath.ToSlash(src)}
	for k, v := range s.Vars {
		call[k] = v
	}
	root := map[string]any{
		"terraform": map[string]any{
			"required_providers": map[string]any{"slipway": map[string]any{"source": providerID}},
			"backend":            map[string]any{"http": map[string]any{}},
		},
		"provider": map[string]any{"slipway": map[string]any{"endpoint": ep.URL, "ca_cert": string(ep.CAPEM)}},
		"module":   map[string]any{"site": call},
	}
	return json.MarshalIndent(root, "", "  ")
}

// init runs terraform init (offline: the mirror only).
func (w *workspace) init(ctx context.Context) error {
	return w.tf.Init(ctx, tfexec.Upgrade(true), tfexec.Reconfigure(true))
}

// limitedBuffer keeps the first max bytes written and counts the rest. It
// is terraform's stdout and stderr at once (written from two goroutines).
type limitedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	room := b.max - b.buf.Len()
	if room < len(p) {
		b.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return b.buf.String() + fmt.Sprintf("\n[%d more bytes of output dropped]\n", b.dropped)
	}
	return b.buf.String()
}
