package rack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/test/vm"
)

// configYAML is the appliance's configuration (internal/config): API, boot
// HTTP and TFTP on the bridge address, DHCP on (the inventory's Network
// says full mode on the bridge), the agent's kernel and initrd.
func (r *Rack) configYAML() string {
	return fmt.Sprintf(`# The virtual rack's appliance (written by test/rack).
dataDir: %[1]s
log: {level: %[2]s, format: text}
api:
  listen: "%[3]s:%[4]d"
  tlsHosts: ["%[3]s"]
store: {driver: sqlite}
dhcp: {enabled: true}
netboot:
  enabled: true
  httpListen: "%[3]s:%[5]d"
  tftpListen: "%[3]s:69"
  advertiseURL: "http://%[3]s:%[5]d"
  agentDir: "%[6]s"
kubernetes:
  artifactsDir: "%[7]s"
agent:
  sshAuthorizedKeys: [%[8]s]
`, r.DataDir, r.cfg.LogLevel, Addr, APIPort, BootPort, r.cfg.AgentDir, r.cfg.KubeArtifacts, quoteList(r.cfg.SSHKeys))
}

// StartAppliance starts `slipway serve` in the namespace (again, after
// KillAppliance: same data directory) and waits until its API answers
// through the forwarder.
func (r *Rack) StartAppliance(ctx context.Context) error {
	cfgPath := filepath.Join(r.Dir, "slipway.yaml")
	if err := os.WriteFile(cfgPath, []byte(r.configYAML()), 0o600); err != nil {
		return fmt.Errorf("rack: appliance config: %w", err)
	}
	p, err := r.spawn("appliance", r.cfg.Slipway, "serve", "--config", cfgPath)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.appliance = p
	r.mu.Unlock()
	return r.waitReady(ctx, p)
}

// Appliance is the running `slipway serve` process.
func (r *Rack) Appliance() *Proc {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.appliance
}

// KillAppliance kills `slipway serve` with SIGKILL (a crash).
func (r *Rack) KillAppliance() {
	if p := r.Appliance(); p != nil {
		p.Kill()
	}
}

func (r *Rack) stopAppliance() {
	if p := r.Appliance(); p != nil {
		p.Stop(10 * time.Second)
	}
}

func (r *Rack) waitReady(ctx context.Context, p *Proc) error {
	deadline := time.Now().Add(90 * time.Second)
	for !r.ready(ctx) {
		select {
		case <-p.Exited():
			return fmt.Errorf("rack: slipway serve exited during start-up:\n%s", tail(p.Output(), 4000))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rack: slipway serve not ready after 90 s:\n%s", tail(p.Output(), 4000))
		}
		time.Sleep(100 * time.Millisecond) // another process's start-up: nothing to wait on
	}
	return nil
}

func (r *Rack) ready(ctx context.Context) bool { return vm.Ready(ctx, r.URL(), r.DataDir) }

// URL is the API (and web UI) through the host's loopback forwarder.
func (r *Rack) URL() string { return "https://" + r.API }

// CAFile and TokenFile are the appliance's CA and first admin token.
func (r *Rack) CAFile() string    { return vm.CAFile(r.DataDir) }
func (r *Rack) TokenFile() string { return vm.TokenFile(r.DataDir) }

// ClientConfig is the CLI configuration the rack logged in with.
func (r *Rack) ClientConfig() string { return filepath.Join(r.Dir, "client.yaml") }

// LoginCommand is the command a person runs to use the CLI against the rack.
func (r *Rack) LoginCommand() string {
	return fmt.Sprintf("%s login --server %s --token-file %s --ca-file %s", r.cfg.Slipway, r.URL(), r.TokenFile(), r.CAFile())
}

// CLI runs the slipway CLI (a process, as a user would) with the rack's
// client configuration and returns its standard output; the error carries
// standard error.
func (r *Rack) CLI(ctx context.Context, args ...string) (string, error) {
	return r.CLIStdin(ctx, "", args...)
}

// CLIStdin is CLI with stdin as standard input.
func (r *Rack) CLIStdin(ctx context.Context, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.cfg.Slipway, append([]string{"--client-config", r.ClientConfig()}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("slipway %s: %w\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String(), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Client is an API client with the admin token, through the forwarder.
func (r *Rack) Client() (*api.Client, error) {
	pem, err := os.ReadFile(r.CAFile())
	if err != nil {
		return nil, fmt.Errorf("rack: %w", err)
	}
	tok, err := os.ReadFile(r.TokenFile())
	if err != nil {
		return nil, fmt.Errorf("rack: %w", err)
	}
	return api.New(r.URL(), strings.TrimSpace(string(tok)), pem)
}

// quoteList is a YAML flow list of double-quoted strings.
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
