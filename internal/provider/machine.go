package provider

import (
	"context"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
)

// Waiting for a machine state.
const (
	defaultWaitTimeout = 10 * time.Minute
	waitPoll           = time.Second
)

// machineStates are the states wait_for_state accepts.
var machineStates = []string{
	string(machine.Registered), string(machine.Inspecting), string(machine.Ready), string(machine.Provisioning),
	string(machine.Provisioned), string(machine.Booting), string(machine.Joining), string(machine.Active),
	string(machine.Failed), string(machine.Maintenance),
}

type machineResource struct{ c *client }

func newMachineResource() resource.Resource { return &machineResource{} }

func (r *machineResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_machine"
}

func (r *machineResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *machineResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := baseAttributes("machine")
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	opt := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc}
	}
	attrs["labels"] = schema.MapAttribute{Optional: true, ElementType: types.StringType,
		Description: "Labels, except rack (set by the rack attribute)."}
	for k, v := range map[string]schema.Attribute{
		"mac": schema.StringAttribute{Required: true, PlanModifiers: replace,
			Description: "The boot NIC's MAC address; the machine's hardware identity (changing it replaces the machine)."},
		"rack": schema.StringAttribute{Optional: true, PlanModifiers: replace,
			Description: "The rack (label rack); moving a machine to another rack replaces it."},
		"network":                  opt("The Network the machine boots on."),
		"ip":                       opt("The address reserved for the machine on its network."),
		"arch":                     opt("x86_64 (default) or arm64."),
		"firmware":                 opt("bios or uefi (informational)."),
		"bmc_address":              opt("ipmi://host[:port] or redfish://host[:port]."),
		"bmc_credentials":          opt("Name of the credentials (slipway_credentials) for the BMC."),
		"bmc_insecure_skip_verify": schema.BoolAttribute{Optional: true, Description: "Accept a Redfish BMC's self-signed certificate."},
		"hardware":                 hardwareSchema(),
		"image":                    opt("The Image installed on the machine."),
		"cluster":                  opt("The Cluster the machine belongs to."),
		"wait_for_state": schema.StringAttribute{Optional: true,
			Description: "On create, wait until the machine reaches this state (one of " + fmt.Sprint(machineStates) + ")."},
		"wait_timeout": opt("How long wait_for_state waits (a Go duration; default 10m)."),
		"state":        schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "The lifecycle state."},
		"power":        schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "The power state the BMC reports."},
		"inspected_hardware": schema.StringAttribute{Computed: true, PlanModifiers: keep,
			Description: "The hardware the agent reported on inspection (JSON)."},
	} {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{Attributes: attrs,
		Description: "A bare-metal server (inventory kind Machine) and its observed state."}
}

func hardwareSchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Optional: true,
		Description: "The bill of materials the inspected machine is checked against.",
		Attributes: map[string]schema.Attribute{
			"cpus":       schema.Int64Attribute{Optional: true, Description: "CPU count."},
			"memory_gib": schema.Int64Attribute{Optional: true, Description: "Memory in GiB."},
			"policy":     schema.StringAttribute{Optional: true, Description: "enforce (default) or warn."},
			"disks": schema.ListNestedAttribute{Optional: true, Description: "Expected disks.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"size_gib": schema.Int64Attribute{Required: true, Description: "Size in GiB."},
					"type":     schema.StringAttribute{Optional: true, Description: "ssd, hdd or nvme."},
					"count":    schema.Int64Attribute{Optional: true, Description: "Number of identical disks."},
				}}},
		},
	}
}

// ValidateConfig checks at plan time what needs no appliance.
func (r *machineResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Attributes are read one by one: others may still be unknown here.
	var mac, state, timeout types.String
	var labels types.Map
	for p, dst := range map[string]any{"mac": &mac, "wait_for_state": &state, "wait_timeout": &timeout, "labels": &labels} {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(p), dst)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if v := mac.ValueString(); v != "" {
		if hw, err := net.ParseMAC(v); err != nil || len(hw) != 6 {
			resp.Diagnostics.AddAttributeError(path.Root("mac"), "Invalid MAC address",
				fmt.Sprintf("%q is not a MAC address (want six hex pairs, 52:54:00:12:34:56)", v))
		}
	}
	if v := state.ValueString(); v != "" && !slices.Contains(machineStates, v) {
		resp.Diagnostics.AddAttributeError(path.Root("wait_for_state"), "Invalid state",
			fmt.Sprintf("%q is not a machine state (want one of %v)", v, machineStates))
	}
	if v := timeout.ValueString(); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("wait_timeout"), "Invalid duration",
				fmt.Sprintf("%q is not a positive Go duration (10m, 90s)", v))
		}
	}
	if !labels.IsUnknown() && !labels.IsNull() {
		if v, ok := labels.Elements()[rackLabel]; ok && !v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root("labels").AtMapKey(rackLabel), "Use the rack attribute",
				"the rack label is set by the rack attribute, not in labels")
		}
	}
}

func (r *machineResource) read(ctx context.Context, d *diag.Diagnostics, name string, prior *machineModel) (*machineModel, bool) {
	am, ok, err := r.c.machine(ctx, name)
	if err != nil {
		r.c.addError(d, nil, "Cannot read machine "+name, err)
		return nil, false
	}
	if !ok || am.Spec == nil {
		return nil, false
	}
	var m machineModel
	m.fill(ctx, d, am, prior)
	return &m, true
}

func (r *machineResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m machineModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	obj := m.object(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.applyOne(ctx, obj, 0); err != nil {
		r.c.addError(&resp.Diagnostics, machineFields, "Cannot create machine "+obj.Metadata.Name, err)
		return
	}
	if target := m.WaitForState.ValueString(); target != "" {
		r.wait(ctx, &resp.Diagnostics, obj.Metadata.Name, target, m.WaitTimeout.ValueString())
	}
	r.save(ctx, &resp.Diagnostics, &resp.State, obj.Metadata.Name, &m)
}

// save reads the machine back into st after a write.
func (r *machineResource) save(ctx context.Context, d *diag.Diagnostics, st stateSetter, name string, planned *machineModel) {
	var rd diag.Diagnostics
	got, ok := r.read(ctx, &rd, name, planned)
	d.Append(rd...)
	if !ok {
		if !rd.HasError() {
			d.AddError("Machine vanished", "machine "+name+" was written but cannot be read back")
		}
		return
	}
	d.Append(st.Set(ctx, got)...)
}

// wait polls the machine until it reaches target, fails, or the timeout.
func (r *machineResource) wait(ctx context.Context, d *diag.Diagnostics, name, target, timeout string) {
	limit := defaultWaitTimeout
	if timeout != "" {
		limit, _ = time.ParseDuration(timeout) // checked by ValidateConfig
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(waitPoll)
	defer t.Stop()
	last := ""
	for {
		md, err := r.c.api.Machine(ctx, name)
		switch {
		case err == nil && md.State == target:
			return
		case err == nil && md.State == string(machine.Failed):
			d.AddAttributeError(path.Root("wait_for_state"), "Machine failed",
				fmt.Sprintf("machine %s failed while waiting for state %s: %s", name, target, md.StateReason))
			return
		case err == nil:
			last = md.State
		}
		select {
		case <-ctx.Done():
			d.AddAttributeError(path.Root("wait_for_state"), "Timed out waiting for the machine",
				fmt.Sprintf("machine %s did not reach state %s within %s (last state %q)", name, target, limit, last))
			return
		case <-t.C:
		}
	}
}

func (r *machineResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var prior machineModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, ok := r.read(ctx, &resp.Diagnostics, prior.Name.ValueString(), &prior)
	if !ok {
		if !resp.Diagnostics.HasError() {
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *machineResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m, prior machineModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	obj := m.object(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.applyOne(ctx, obj, prior.Revision.ValueInt64()); err != nil {
		r.c.addError(&resp.Diagnostics, machineFields, "Cannot update machine "+obj.Metadata.Name, err)
		return
	}
	r.save(ctx, &resp.Diagnostics, &resp.State, obj.Metadata.Name, &m)
}

func (r *machineResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var prior machineModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := prior.Name.ValueString()
	if err := r.c.deleteOne(ctx, inventory.KindMachine, name, prior.Revision.ValueInt64()); err != nil {
		r.c.addError(&resp.Diagnostics, machineFields, "Cannot delete machine "+name, err)
	}
}

func (r *machineResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByName(ctx, req, resp)
}
