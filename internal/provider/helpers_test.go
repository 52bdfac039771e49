package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

// factories runs the provider in the test process (terraform reattaches to it).
func factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"slipway": providerserver.NewProtocol6WithError(New("test")()),
	}
}

// applyYAML changes the inventory outside Terraform, as an operator with an
// inventory file (or the UI) would.
func applyYAML(t *testing.T, a *acctest.Appliance, doc string) {
	t.Helper()
	_, err := a.Client.Apply(t.Context(), api.ApplyRequest{Files: []inventory.File{{Name: "out-of-band.yaml", Content: doc}}})
	require.NoError(t, err)
}

// onlyChanged checks that the plan updates addr in place and that the
// attributes whose planned value differs from the prior state (ignoring
// values known only after apply) are exactly attrs: drift shows precisely
// what changed outside Terraform.
func onlyChanged(addr string, attrs ...string) plancheck.PlanCheck { return changedCheck{addr, attrs} }

type changedCheck struct {
	addr  string
	attrs []string
}

func (c changedCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		if !rc.Change.Actions.Update() {
			resp.Error = fmt.Errorf("%s: actions %v, want update", c.addr, rc.Change.Actions)
			return
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		unknown, _ := rc.Change.AfterUnknown.(map[string]any)
		var got []string
		for k, v := range after {
			if u, ok := unknown[k].(bool); ok && u {
				continue
			}
			if !reflect.DeepEqual(before[k], v) {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		want := slices.Sorted(slices.Values(c.attrs))
		if !slices.Equal(got, want) {
			resp.Error = fmt.Errorf("%s: changed attributes %v, want %v", c.addr, got, want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s: not in the plan", c.addr)
}
