package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/slipway-dev/slipway/internal/api"
)

// TestWorkflow drives the journey through the CLI against a real
// appliance: login, plan, apply, list, idempotent re-apply, describe, events,
// credentials, delete. The steps share the appliance and run in order.
func TestWorkflow(t *testing.T) {
	ta := startAppliance(t)
	ta.login(t)

	t.Run("apply dry-run prints the plan", func(t *testing.T) {
		r := ta.run(t, "", "apply", "-f", site, "--dry-run")
		require.NoError(t, r.err, r.stderr)
		golden(t, "apply-dry-run.txt", r.stdout)
		r = ta.run(t, "", "get", "machines")
		require.NoError(t, r.err)
		assert.Equal(t, "No machines found.\n", r.stderr, "a dry run changes nothing")
	})

	t.Run("diff exits 1 when there are changes", func(t *testing.T) {
		r := ta.run(t, "", "diff", "-f", site)
		assert.Equal(t, 1, r.code())
		assert.Contains(t, r.stdout, "+++ declared/Machine/r1-u07")
		assert.NotContains(t, r.stderr, "error")
	})

	t.Run("apply", func(t *testing.T) {
		r := ta.run(t, "", "apply", "-f", site)
		require.NoError(t, r.err, r.stderr)
		assert.Contains(t, r.stdout, "Plan: 9 to create, 0 to update, 0 to delete.\n")
		assert.True(t, strings.HasSuffix(r.stdout, "Applied: 9 created, 0 updated, 0 deleted.\n"), r.stdout)
	})

	t.Run("get machines lists the four registered machines", func(t *testing.T) {
		r := ta.run(t, "", "get", "machines")
		require.NoError(t, r.err, r.stderr)
		golden(t, "get-machines.txt", r.stdout)
		r = ta.run(t, "", "get", "machines", "-l", "role=worker", "--state", "registered")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, 4, strings.Count(r.stdout, "\n"), "header and three workers:\n%s", r.stdout)
	})

	t.Run("second apply is no changes", func(t *testing.T) {
		r := ta.run(t, "", "apply", "-f", site)
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "No changes.\n", r.stdout)
		r = ta.run(t, "", "diff", "-f", site)
		assert.Equal(t, 0, r.code(), r.stderr)
	})

	t.Run("get other kinds", func(t *testing.T) {
		// The catalogue settles edge-os first (its file is not on this machine).
		require.Eventually(t, func() bool {
			r := ta.run(t, "", "image", "status", "edge-os", "-o", "json")
			return r.err == nil && strings.Contains(r.stdout, `"status": "failed"`)
		}, 10*time.Second, 50*time.Millisecond)
		// And the cluster controller looks at edge-1 (refused: this
		// appliance has no Kubernetes binaries).
		require.Eventually(t, func() bool {
			r := ta.run(t, "", "get", "clusters", "edge-1", "-o", "json")
			return r.err == nil && strings.Contains(r.stdout, `"phase": "refused"`)
		}, 15*time.Second, 50*time.Millisecond)
		var all strings.Builder
		for _, kind := range []string{"networks", "images", "clusters", "fleets", "credentials"} {
			r := ta.run(t, "", "get", kind)
			require.NoError(t, r.err, r.stderr)
			all.WriteString("$ slipway get " + kind + "\n" + r.stdout)
		}
		golden(t, "get-kinds.txt", all.String())
	})

	t.Run("get -o json and yaml", func(t *testing.T) {
		r := ta.run(t, "", "get", "machines", "-o", "json")
		require.NoError(t, r.err, r.stderr)
		var list api.List[api.Machine]
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
		require.Len(t, list.Items, 4)
		assert.Equal(t, "r1-u05", list.Items[0].Name)
		assert.Equal(t, "ipmi://198.18.0.1:6235", list.Items[0].Spec.BMC.Address)

		r = ta.run(t, "", "get", "machine", "r1-u07", "-o", "yaml")
		require.NoError(t, r.err, r.stderr)
		var m api.Machine
		require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &m))
		assert.Equal(t, "r1-u07", m.Name)
		assert.Contains(t, r.stdout, "unit: \"7\"", "a string label that looks like a number stays a string")

		r = ta.run(t, "", "get", "networks", "lab", "-o", "json")
		require.NoError(t, r.err, r.stderr)
		var o api.Object
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &o))
		assert.Equal(t, "Network", o.Kind)
	})

	t.Run("describe machine", func(t *testing.T) {
		r := ta.run(t, "", "describe", "machine", "r1-u05")
		require.NoError(t, r.err, r.stderr)
		golden(t, "describe-machine.txt", r.stdout)
	})

	t.Run("events", func(t *testing.T) {
		r := ta.run(t, "", "events", "--machine", "r1-u06")
		require.NoError(t, r.err, r.stderr)
		golden(t, "events-r1-u06.txt", r.stdout)
		r = ta.run(t, "", "events", "--type", "inventory.apply")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, 2, strings.Count(r.stdout, "\n"), r.stdout)
	})

	t.Run("create credentials never shows the password", func(t *testing.T) {
		const password = "Ex4mple-s3cret-Pa55"
		r := ta.run(t, password+"\n", "create", "credentials", "lab-bmc", "--username", "admin", "--password-stdin")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "credentials \"lab-bmc\" stored (username admin)\n", r.stdout)
		outputs := []string{r.stdout, r.stderr}
		for _, args := range [][]string{
			{"get", "credentials"}, {"get", "credentials", "-o", "json"}, {"get", "credentials", "lab-bmc", "-o", "yaml"},
			{"events"}, {"describe", "machine", "r1-u05"},
		} {
			r := ta.run(t, "", args...)
			require.NoError(t, r.err, r.stderr)
			outputs = append(outputs, r.stdout, r.stderr)
		}
		assert.Regexp(t, `lab-bmc +admin +yes +yes`, outputs[2])
		for _, out := range append(outputs, ta.logs.String()) {
			assert.NotContains(t, out, password)
		}
		r = ta.run(t, "", "create", "credentials", "x", "--username", "u")
		assert.Error(t, r.err)
		assert.Contains(t, r.stderr, "--password-stdin is required")
	})

	t.Run("create token prints it once", func(t *testing.T) {
		r := ta.run(t, "", "create", "token", "ci", "--role", "viewer", "--ttl", "1h")
		require.NoError(t, r.err, r.stderr)
		tok := strings.TrimSpace(r.stdout)
		assert.True(t, strings.HasPrefix(tok, "slw_"), tok)
		assert.Contains(t, r.stderr, "role viewer")
		// The viewer can read but not apply.
		tf := t.TempDir() + "/viewer.token"
		require.NoError(t, os.WriteFile(tf, []byte(tok+"\n"), 0o600))
		r = ta.run(t, "", "--token-file", tf, "get", "machines")
		require.NoError(t, r.err, r.stderr)
		r = ta.run(t, "", "--token-file", tf, "delete", "machine", "r1-u08")
		assert.Equal(t, 1, r.code())
		assert.True(t, strings.HasPrefix(r.stderr, "error: "), r.stderr)
	})

	t.Run("delete", func(t *testing.T) {
		r := ta.run(t, "", "delete", "machine", "r1-u08")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "machine \"r1-u08\" deleted\n", r.stdout)
		r = ta.run(t, "", "get", "machine", "r1-u08")
		assert.Equal(t, 1, r.code())
		assert.Contains(t, r.stderr, "error: ")
		r = ta.run(t, "", "diff", "-f", site)
		assert.Equal(t, 1, r.code(), "the files still declare r1-u08")
	})

	t.Run("version", func(t *testing.T) {
		r := ta.run(t, "", "version")
		require.NoError(t, r.err, r.stderr)
		assert.Equal(t, "Client: v0.0.0-test\nServer: dev (store sqlite) at "+ta.info.URL+"\n", r.stdout)
	})
}

func TestEventsFollow(t *testing.T) {
	ta := startAppliance(t)
	ta.login(t)
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() { done <- ta.runCtx(ctx, "", out, "events", "-f", "--machine", "r1-u07") }()

	r := ta.run(t, "", "apply", "-f", site)
	require.NoError(t, r.err, r.stderr)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "r1-u07") },
		10*time.Second, 20*time.Millisecond, "followed event never arrived")
	cancel()
	select {
	case r := <-done:
		require.NoError(t, r.err, r.stderr)
	case <-time.After(5 * time.Second):
		t.Fatal("events -f did not stop on cancel")
	}
	assert.NotContains(t, out.String(), "r1-u06")
}

func TestUnauthenticatedPostIs401(t *testing.T) {
	ta := startAppliance(t)
	c, err := api.New(ta.info.URL, "", ta.info.CAPEM)
	require.NoError(t, err)
	_, err = c.Apply(t.Context(), api.ApplyRequest{})
	assert.True(t, api.IsStatus(err, http.StatusUnauthorized), "%v", err)

	// And raw, as curl would send it.
	hc := rawClient(ta.info.CAPEM)
	resp, err := hc.Post(ta.info.URL+"/api/v1/inventory/apply", "application/json", strings.NewReader(`{"files":[]}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
}

func TestNotLoggedIn(t *testing.T) {
	ta := &testAppliance{home: t.TempDir()}
	r := ta.run(t, "", "get", "machines")
	assert.Equal(t, 1, r.code())
	assert.Contains(t, r.stderr, "error: no server: run `slipway login")
	r = ta.run(t, "", "version")
	require.NoError(t, r.err)
	assert.Equal(t, "Client: v0.0.0-test\nServer: <not logged in>\n", r.stdout)
}
