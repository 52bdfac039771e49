package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
)

// CLI runs slipway CLI processes with their own client configuration file.
type CLI struct {
	T      testing.TB
	Bin    string
	Config string
}

// Login logs a new CLI configuration in to a with the admin token.
func (a *Appliance) Login() *CLI {
	a.T.Helper()
	c := &CLI{T: a.T, Bin: a.Bin, Config: filepath.Join(a.T.TempDir(), "client.yaml")}
	c.OK("login", "--server", a.URL(), "--token-file", a.TokenFile(), "--ca-file", a.CAFile())
	return c
}

// Run runs the CLI and returns stdout, stderr and the error.
func (c *CLI) Run(args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, append([]string{"--client-config", c.Config}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = os.Environ()
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// OK runs the CLI and fails the test unless it exits 0; it returns stdout.
func (c *CLI) OK(args ...string) string {
	c.T.Helper()
	out, errOut, err := c.Run(args...)
	require.NoError(c.T, err, "slipway %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), out, errOut)
	return out
}

// Machines lists machines through `get machines -o json`.
func (c *CLI) Machines() []api.Machine {
	c.T.Helper()
	var l api.List[api.Machine]
	out := c.OK("get", "machines", "-o", "json")
	require.NoError(c.T, json.Unmarshal([]byte(out), &l), out)
	return l.Items
}
