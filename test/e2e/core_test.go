// Package e2e runs the real slipway binary as a user would: `slipway serve` as
// a process on loopback, the CLI as separate processes, and faults (kill -9,
// SIGTERM) delivered to the process the test started. It runs when
// SLIPWAY_E2E=1 and SLIPWAY_BIN names the binary (`make e2e` sets both).
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/test/harness"
)

// start starts an appliance from the binary under test.
func startAppliance(t *testing.T) *harness.Appliance {
	t.Helper()
	return harness.Start(t, harness.Binary(t, "SLIPWAY_E2E"))
}

// TestReadmeFlow is the "done when": dry-run prints the plan, apply
// applies it, get machines lists the four example machines as registered, a
// second apply is "No changes.", and an unauthenticated POST gets 401.
func TestReadmeFlow(t *testing.T) {
	a := startAppliance(t)
	c := a.Login()
	site := filepath.Join("..", "..", "deploy", "examples", "site")

	out := c.OK("apply", "-f", site, "--dry-run")
	assert.Contains(t, out, "+++ declared/Machine/r1-u05")
	assert.Regexp(t, `Plan: \d+ to create, 0 to update, 0 to delete`, out)
	assert.Empty(t, c.Machines(), "a dry run must not apply anything")

	out = c.OK("apply", "-f", site)
	assert.Regexp(t, `Plan: \d+ to create`, out)
	ms := c.Machines()
	require.Len(t, ms, 4)
	for _, m := range ms {
		assert.Equal(t, "registered", m.State, m.Name)
	}
	table := c.OK("get", "machines")
	assert.Regexp(t, `(?m)^NAME\s+STATE`, table)
	assert.Regexp(t, `(?m)^r1-u07\s+registered`, table)

	assert.Contains(t, c.OK("apply", "-f", site), "No changes.")
	assert.Contains(t, c.OK("describe", "machine", "r1-u07"), "registered")

	resp, err := a.HTTPClient().Post(a.URL()+"/api/v1/inventory/apply", "application/json", strings.NewReader(`{"files":[]}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	var e api.Error
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	assert.NotEmpty(t, e.Message)

	// A viewer can read but not mutate.
	tok := regexp.MustCompile(`slw_[a-z2-7]+_[a-z2-7]+`).FindString(c.OK("create", "token", "ci-viewer", "--role", "viewer"))
	require.NotEmpty(t, tok)
	req, err := http.NewRequest(http.MethodPost, a.URL()+"/api/v1/machines/r1-u07/actions", strings.NewReader(`{"action":"inspect"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp2, err := a.HTTPClient().Do(req)
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp2.StatusCode)
}

// TestKill9MidApplyIsAllOrNothing kills the appliance at spread-out moments of
// an apply of 1,000 machines; after each restart the store holds all of them
// or none.
func TestKill9MidApplyIsAllOrNothing(t *testing.T) {
	const n = 1000
	site := harness.WriteSite(t, n, "a")

	// How long does one apply take from the CLI's start?
	ref := startAppliance(t)
	start := time.Now()
	ref.Login().OK("apply", "-f", site)
	full := time.Since(start)
	t.Logf("apply of %d machines took %s", n, full)

	outcomes := map[string]int{}
	check := func(a *harness.Appliance, c *harness.CLI, when string) {
		a.Start()
		got := len(c.Machines())
		nets := c.OK("get", "networks", "-o", "json")
		switch got {
		case 0:
			outcomes["none"]++
			assert.NotContains(t, nets, `"lab"`, "machines rolled back but the network stayed (%s)", when)
		case n:
			outcomes["all"]++
			assert.Contains(t, nets, `"lab"`)
		default:
			t.Errorf("kill -9 %s left %d of %d machines", when, got, n)
		}
	}
	// Kills spread over the apply's duration.
	for k := 1; k <= 7; k++ {
		delay := full * time.Duration(k) / 8
		a := startAppliance(t)
		c := a.Login()
		done := make(chan error, 1)
		go func() { _, _, err := c.Run("apply", "-f", site); done <- err }()
		time.Sleep(delay) // the fault's moment is the variable under test
		a.Kill9()
		<-done
		check(a, c, fmt.Sprintf("after %s", delay))
	}
	// Kills the moment the write-ahead log grows: the transaction is being
	// written (or has just committed).
	for k := range 3 {
		a := startAppliance(t)
		c := a.Login()
		wal := filepath.Join(a.DataDir, "slipway.db-wal")
		base := fileSize(wal)
		done := make(chan error, 1)
		go func() { _, _, err := c.Run("apply", "-f", site); done <- err }()
		deadline := time.Now().Add(time.Minute)
		for fileSize(wal) <= base+int64(k)*64*1024 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond) // watching another process's file
		}
		a.Kill9()
		<-done
		check(a, c, fmt.Sprintf("when the WAL grew past %d bytes", base+int64(k)*64*1024))
	}
	t.Logf("outcomes over 10 kills: %v", outcomes)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TestConflictingAppliesOneWins: two clients review plans against the same
// revisions; the first apply wins and the second is refused naming the
// object. Then many concurrent CLI applies never leave a mixed state.
func TestConflictingAppliesOneWins(t *testing.T) {
	a := startAppliance(t)
	c := a.Login()
	c.OK("apply", "-f", harness.WriteSite(t, 20, "x"))

	client := a.Client()
	ctx := context.Background()

	filesA, err := inventory.ReadPaths([]string{harness.WriteSite(t, 20, "a")})
	require.NoError(t, err)
	filesB, err := inventory.ReadPaths([]string{harness.WriteSite(t, 20, "b")})
	require.NoError(t, err)
	planA, err := client.Plan(ctx, api.PlanRequest{Files: filesA})
	require.NoError(t, err)
	planB, err := client.Plan(ctx, api.PlanRequest{Files: filesB})
	require.NoError(t, err)

	_, err = client.Apply(ctx, api.ApplyRequest{Files: filesA, Expect: planA.Plan.Expectations()})
	require.NoError(t, err)
	_, err = client.Apply(ctx, api.ApplyRequest{Files: filesB, Expect: planB.Plan.Expectations()})
	var apiErr *api.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusConflict, apiErr.Status)
	assert.Contains(t, apiErr.Error(), "Machine m00000")
	for _, m := range c.Machines() {
		assert.Equal(t, "a", m.Labels["tag"], "%s was overwritten by the refused apply", m.Name)
	}

	// Concurrent CLI applies: each succeeds or is refused with a conflict;
	// the store always ends uniformly on one side.
	sites := map[string]string{"c": harness.WriteSite(t, 20, "c"), "d": harness.WriteSite(t, 20, "d")}
	for round := range 4 {
		var wg sync.WaitGroup
		for _, dir := range sites {
			wg.Go(func() {
				out, errOut, err := c.Run("apply", "-f", dir)
				if err != nil {
					assert.Regexp(t, `(?i)conflict|changed since`, out+errOut, "round %d: only conflicts may fail", round)
				}
			})
		}
		wg.Wait()
		tags := map[string]int{}
		for _, m := range c.Machines() {
			tags[m.Labels["tag"]]++
		}
		assert.Len(t, tags, 1, "round %d: mixed state %v", round, tags)
	}
}

// TestSIGTERMStopsCleanly: with a live event stream open, SIGTERM stops the
// appliance with exit status 0 within 5 s.
func TestSIGTERMStopsCleanly(t *testing.T) {
	a := startAppliance(t)
	req, err := http.NewRequest(http.MethodGet, a.URL()+"/api/v1/events?follow=true", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+a.Token())
	client := a.HTTPClient()
	client.Timeout = 0
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	took, err := a.Stop()
	require.NoError(t, err, a.Proc.Log.String())
	assert.Less(t, took, 5*time.Second)
	t.Logf("SIGTERM to exit: %s", took)
}

// TestCrashInTransientStateIsResolved: machines a crash left provisioning or
// inspecting resume on restart with an event saying so (the agent carries on
// and calls back; the state's watchdog fails them if nothing comes).
func TestCrashInTransientStateIsResolved(t *testing.T) {
	a := startAppliance(t)
	c := a.Login()
	c.OK("apply", "-f", harness.WriteSite(t, 2, "x"))
	a.Kill9()

	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{Driver: store.DriverSQLite, Path: filepath.Join(a.DataDir, "slipway.db")}, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(ctx, func(tx *store.Tx) error {
		for name, state := range map[string]string{"m00000": "provisioning", "m00001": "inspecting"} {
			m, err := tx.GetMachine(name)
			if err != nil {
				return err
			}
			rev := m.Revision
			m.State = state
			if err := tx.UpdateMachine(&m, rev); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, db.Close())

	a.Start()
	byName := map[string]api.Machine{}
	for _, m := range c.Machines() {
		byName[m.Name] = m
	}
	assert.Equal(t, "provisioning", byName["m00000"].State)
	assert.Contains(t, c.OK("events", "--machine", "m00000"), "resuming")
	assert.Equal(t, "inspecting", byName["m00001"].State)
	assert.Contains(t, c.OK("events", "--machine", "m00001"), "resuming")
}
