package infra_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/infra"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/provider/acctest"
	"github.com/slipway-dev/slipway/internal/store"
)

// siteAppliance starts an appliance with the example site configured.
func siteAppliance(t *testing.T, drift time.Duration) *acctest.Appliance {
	tf := acctest.Terraform(t)
	mirror := acctest.Mirror(t)
	return acctest.Start(t, func(c *config.Config) {
		c.Infra = config.InfraConfig{Terraform: tf, ProviderMirror: mirror, DriftInterval: config.Duration(drift),
			Sites: []config.SiteConfig{{Name: "lab", Module: "../../terraform/examples/site",
				Vars: map[string]any{"rack": "r1"}}}}
	})
}

// TestSitePlanApply: plan, review the diff, apply exactly that plan; an
// earlier (superseded) plan and a plan made before the state moved on are
// refused; after an out-of-band change the next plan shows the drift.
func TestSitePlanApply(t *testing.T) {
	a := siteAppliance(t, -1)
	ctx, c := t.Context(), a.Client

	first, err := c.PlanSite(ctx, "lab")
	require.NoError(t, err)
	require.Equal(t, infra.StatusPlanned, first.Status, "output:\n%s\nerror: %s", first.Output, first.Error)
	assert.Contains(t, first.Diff, `+ module.site.module.rack.slipway_machine.this["r1-u05"] (create)`)
	assert.Contains(t, first.Diff, `mac: (none) → "52:54:00:77:02:05"`)
	assert.Contains(t, first.Diff, "password: (sensitive value)")
	assert.NotContains(t, first.Diff, `"password"`)
	assert.Equal(t, "Plan: 5 to add, 0 to change, 0 to destroy.", first.Summary)

	second, err := c.PlanSite(ctx, "lab")
	require.NoError(t, err)
	_, err = c.ApplySite(ctx, "lab", first.ID)
	require.True(t, api.IsStatus(err, 409), "superseded plan: %v", err)
	assert.ErrorContains(t, err, "superseded by plan "+second.ID)

	applied, err := c.ApplySite(ctx, "lab", second.ID)
	require.NoError(t, err)
	require.Equal(t, infra.StatusApplied, applied.Status, "output:\n%s\nerror: %s", applied.Output, applied.Error)
	ms, err := c.Machines(ctx, api.MachineQuery{Labels: []string{"rack=r1"}})
	require.NoError(t, err)
	require.Len(t, ms.Items, 2)
	cl, err := c.Object(ctx, inventory.KindCluster, "edge-r1")
	require.NoError(t, err)
	assert.Contains(t, string(cl.Spec), `"machines":["r1-u05"]`)

	_, err = c.ApplySite(ctx, "lab", second.ID)
	require.True(t, api.IsStatus(err, 409), "applied twice: %v", err)

	none, err := c.PlanSite(ctx, "lab")
	require.NoError(t, err)
	assert.Equal(t, infra.StatusNoChanges, none.Status, none.Diff)

	// Drift: the role label changed through the inventory.
	_, err = c.Apply(ctx, api.ApplyRequest{Files: []inventory.File{{Name: "oob.yaml", Content: `apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata: {name: r1-u06, labels: {rack: r1, unit: "6", role: storage}}
spec: {mac: "52:54:00:77:02:06", network: r1-net, ip: 198.18.1.106, bmc: {address: "ipmi://198.18.1.1:6246", credentialsRef: r1-bmc}, hardware: {cpus: 1, memoryGiB: 1, disks: [{sizeGiB: 8}]}}
`}}})
	require.NoError(t, err)
	drift, err := c.PlanSite(ctx, "lab")
	require.NoError(t, err)
	require.Equal(t, infra.StatusPlanned, drift.Status, drift.Error)
	assert.Contains(t, drift.Diff, "Changed outside Terraform:")
	assert.Contains(t, drift.Diff, `labels.role: "worker" → "storage"`)
	assert.Contains(t, drift.Diff, `~ module.site.module.rack.slipway_machine.this["r1-u06"] (update in place)`)
	assert.Contains(t, drift.Diff, `labels.role: "storage" → "worker"`)
	assert.Equal(t, "Plan: 0 to add, 1 to change, 0 to destroy.", drift.Summary)

	// The state moves on (another writer) after the plan: the plan is stale.
	body, err := c.GetTFState(ctx, infra.StateName("lab"))
	require.NoError(t, err)
	require.NoError(t, c.PutTFState(ctx, infra.StateName("lab"), body))
	_, err = c.ApplySite(ctx, "lab", drift.ID)
	require.True(t, api.IsStatus(err, 409), "stale plan: %v", err)
	assert.ErrorContains(t, err, "the state is now at version")

	site, err := c.Site(ctx, "lab")
	require.NoError(t, err)
	require.NotEmpty(t, site.Runs)
	assert.Equal(t, drift.ID, site.Runs[0].ID)
}

// TestDriftCheck: the periodic drift plan records an event when the
// hardware or inventory no longer matches the site.
func TestDriftCheck(t *testing.T) {
	a := siteAppliance(t, time.Second)
	ctx, c := t.Context(), a.Client
	var plan store.InfraRun
	require.Eventually(t, func() bool { // a drift check may be running
		var err error
		plan, err = c.PlanSite(ctx, "lab")
		return err == nil
	}, 30*time.Second, 200*time.Millisecond)
	require.Equal(t, infra.StatusPlanned, plan.Status, plan.Error)
	require.Eventually(t, func() bool {
		_, err := c.ApplySite(ctx, "lab", plan.ID)
		return err == nil
	}, 30*time.Second, 200*time.Millisecond)
	require.NoError(t, c.Delete(ctx, inventory.KindMachine, "r1-u06", 0))
	require.Eventually(t, func() bool {
		evs, err := c.Events(ctx, api.EventQuery{Type: infra.EventDrift})
		return err == nil && len(evs.Items) > 0 && strings.Contains(evs.Items[0].Message, "1 to add")
	}, 60*time.Second, 200*time.Millisecond)
}
