package provider

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// rackLabel is the label the rack attribute sets.
const rackLabel = "rack"

type machineModel struct {
	baseModel
	MAC               types.String   `tfsdk:"mac"`
	Rack              types.String   `tfsdk:"rack"`
	Network           types.String   `tfsdk:"network"`
	IP                types.String   `tfsdk:"ip"`
	Arch              types.String   `tfsdk:"arch"`
	Firmware          types.String   `tfsdk:"firmware"`
	BMCAddress        types.String   `tfsdk:"bmc_address"`
	BMCCredentials    types.String   `tfsdk:"bmc_credentials"`
	BMCInsecure       types.Bool     `tfsdk:"bmc_insecure_skip_verify"`
	Hardware          *hardwareModel `tfsdk:"hardware"`
	Image             types.String   `tfsdk:"image"`
	Cluster           types.String   `tfsdk:"cluster"`
	WaitForState      types.String   `tfsdk:"wait_for_state"`
	WaitTimeout       types.String   `tfsdk:"wait_timeout"`
	State             types.String   `tfsdk:"state"`
	Power             types.String   `tfsdk:"power"`
	InspectedHardware types.String   `tfsdk:"inspected_hardware"`
}

type hardwareModel struct {
	CPUs      types.Int64  `tfsdk:"cpus"`
	MemoryGiB types.Int64  `tfsdk:"memory_gib"`
	Policy    types.String `tfsdk:"policy"`
	Disks     []diskModel  `tfsdk:"disks"`
}

type diskModel struct {
	SizeGiB types.Int64  `tfsdk:"size_gib"`
	Type    types.String `tfsdk:"type"`
	Count   types.Int64  `tfsdk:"count"`
}

// machineFields maps inventory paths to machine attributes.
var machineFields = fieldMap{
	"metadata.name": "name", "metadata.labels": "labels", "metadata.labels." + rackLabel: "rack",
	"spec.mac": "mac", "spec.network": "network", "spec.ip": "ip", "spec.arch": "arch", "spec.firmware": "firmware",
	"spec.bmc": "bmc_address", "spec.bmc.credentialsRef": "bmc_credentials",
	"spec.bmc.insecureSkipVerify": "bmc_insecure_skip_verify", "spec.hardware": "hardware",
	"spec.image": "image", "spec.cluster": "cluster",
}

// object is the Machine inventory object m declares.
func (m *machineModel) object(ctx context.Context, d *diag.Diagnostics) inventory.Object {
	labels := mapStrings(ctx, d, m.Labels)
	if r := m.Rack.ValueString(); r != "" {
		if labels == nil {
			labels = map[string]string{}
		}
		labels[rackLabel] = r
	}
	s := &inventory.MachineSpec{
		MAC: m.MAC.ValueString(), Network: m.Network.ValueString(), IP: m.IP.ValueString(),
		Arch: m.Arch.ValueString(), Firmware: m.Firmware.ValueString(),
		Image: m.Image.ValueString(), Cluster: m.Cluster.ValueString(),
	}
	if a := m.BMCAddress.ValueString(); a != "" || m.BMCCredentials.ValueString() != "" {
		s.BMC = &inventory.BMC{Address: a, CredentialsRef: m.BMCCredentials.ValueString(),
			InsecureSkipVerify: m.BMCInsecure.ValueBool()}
	}
	if h := m.Hardware; h != nil {
		s.Hardware = &inventory.Hardware{CPUs: int(h.CPUs.ValueInt64()), MemoryGiB: int(h.MemoryGiB.ValueInt64()),
			Policy: h.Policy.ValueString()}
		for _, dk := range h.Disks {
			s.Hardware.Disks = append(s.Hardware.Disks, inventory.Disk{SizeGiB: int(dk.SizeGiB.ValueInt64()),
				Type: dk.Type.ValueString(), Count: int(dk.Count.ValueInt64())})
		}
	}
	return inventory.Object{Kind: inventory.KindMachine,
		Metadata: inventory.Metadata{Name: m.Name.ValueString(), Labels: labels}, Spec: s}
}

// fill sets m from the API's machine. The Terraform-only settings
// (wait_for_state, wait_timeout) are kept from prior.
func (m *machineModel) fill(ctx context.Context, d *diag.Diagnostics, am api.Machine, prior *machineModel) {
	setBase(ctx, d, &m.baseModel, am.Name, withoutKey(am.Labels, rackLabel), am.Revision)
	m.Rack = str(am.Labels[rackLabel])
	s := am.Spec
	if s == nil {
		s = &inventory.MachineSpec{MAC: am.MAC}
	}
	m.MAC, m.Network, m.IP = types.StringValue(s.MAC), str(s.Network), str(s.IP)
	m.Arch, m.Firmware, m.Image, m.Cluster = str(s.Arch), str(s.Firmware), str(s.Image), str(s.Cluster)
	m.BMCAddress, m.BMCCredentials, m.BMCInsecure = types.StringNull(), types.StringNull(), types.BoolNull()
	if s.BMC != nil {
		m.BMCAddress, m.BMCCredentials = str(s.BMC.Address), str(s.BMC.CredentialsRef)
		m.BMCInsecure = boolOrNull(s.BMC.InsecureSkipVerify)
	}
	m.Hardware = hardwareFrom(s.Hardware)
	m.State, m.Power = types.StringValue(am.State), types.StringValue(am.Power)
	m.InspectedHardware = types.StringNull()
	if len(am.Hardware) > 0 && !bytes.Equal(am.Hardware, []byte("null")) {
		var buf bytes.Buffer
		if json.Compact(&buf, am.Hardware) == nil {
			m.InspectedHardware = types.StringValue(buf.String())
		}
	}
	m.WaitForState, m.WaitTimeout = types.StringNull(), types.StringNull()
	if prior != nil {
		m.WaitForState, m.WaitTimeout = prior.WaitForState, prior.WaitTimeout
	}
}

func hardwareFrom(h *inventory.Hardware) *hardwareModel {
	if h == nil {
		return nil
	}
	out := &hardwareModel{CPUs: intOrNull(h.CPUs), MemoryGiB: intOrNull(h.MemoryGiB), Policy: str(h.Policy)}
	for _, dk := range h.Disks {
		out.Disks = append(out.Disks, diskModel{SizeGiB: types.Int64Value(int64(dk.SizeGiB)),
			Type: str(dk.Type), Count: intOrNull(dk.Count)})
	}
	return out
}
