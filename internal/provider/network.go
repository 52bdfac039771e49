package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/inventory"
)

type networkModel struct {
	baseModel
	Mode        types.String `tfsdk:"mode"`
	Interface   types.String `tfsdk:"interface"`
	Subnet      types.String `tfsdk:"subnet"`
	Gateway     types.String `tfsdk:"gateway"`
	DNS         types.List   `tfsdk:"dns"`
	Domain      types.String `tfsdk:"domain"`
	NTP         types.List   `tfsdk:"ntp"`
	RangeStart  types.String `tfsdk:"range_start"`
	RangeEnd    types.String `tfsdk:"range_end"`
	Discovery   types.Bool   `tfsdk:"discovery"`
	RelayAgents types.List   `tfsdk:"relay_agents"`
	LeaseTime   types.String `tfsdk:"lease_time"`
}

func newNetworkResource() resource.Resource {
	opt := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc}
	}
	list := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Optional: true, ElementType: types.StringType, Description: desc}
	}
	return &objectResource[networkModel, *networkModel]{k: objectKind[networkModel]{
		typeName: "network", kind: inventory.KindNetwork,
		description: "A boot network (inventory kind Network): the subnet the appliance answers DHCP on.",
		attrs: map[string]schema.Attribute{
			"mode":         opt("full (authoritative DHCP, the default), proxy (proxyDHCP beside another server) or relay."),
			"interface":    opt("The appliance interface DHCP binds to (full and proxy modes)."),
			"subnet":       schema.StringAttribute{Required: true, Description: "The subnet in CIDR form (198.18.0.0/24)."},
			"gateway":      opt("The default gateway handed out."),
			"dns":          list("DNS servers handed out."),
			"domain":       opt("The DNS domain handed out."),
			"ntp":          list("NTP servers handed out."),
			"range_start":  opt("First address of the discovery pool."),
			"range_end":    opt("Last address of the discovery pool."),
			"discovery":    schema.BoolAttribute{Optional: true, Description: "Let unknown MACs boot into the discovery pool."},
			"relay_agents": list("Relay agent addresses (giaddr) whose requests belong to this network (relay mode)."),
			"lease_time":   opt("Lease time as a Go duration (12h)."),
		},
		fields: fieldMap{"metadata.name": "name", "metadata.labels": "labels", "spec.mode": "mode",
			"spec.interface": "interface", "spec.subnet": "subnet", "spec.gateway": "gateway", "spec.dns": "dns",
			"spec.domain": "domain", "spec.ntp": "ntp", "spec.range": "range_start", "spec.range.end": "range_end",
			"spec.discovery": "discovery", "spec.relayAgents": "relay_agents", "spec.leaseTime": "lease_time"},
		toSpec:   networkSpec,
		fromSpec: networkFromSpec,
	}}
}

func networkSpec(ctx context.Context, d *diag.Diagnostics, m *networkModel) any {
	s := &inventory.NetworkSpec{
		Mode: inventory.NetworkMode(m.Mode.ValueString()), Interface: m.Interface.ValueString(),
		Subnet: m.Subnet.ValueString(), Gateway: m.Gateway.ValueString(), DNS: listStrings(ctx, d, m.DNS),
		Domain: m.Domain.ValueString(), NTP: listStrings(ctx, d, m.NTP), Discovery: m.Discovery.ValueBool(),
		RelayAgents: listStrings(ctx, d, m.RelayAgents), LeaseTime: m.LeaseTime.ValueString(),
	}
	if m.RangeStart.ValueString() != "" || m.RangeEnd.ValueString() != "" {
		s.Range = &inventory.Range{Start: m.RangeStart.ValueString(), End: m.RangeEnd.ValueString()}
	}
	return s
}

func networkFromSpec(ctx context.Context, d *diag.Diagnostics, raw json.RawMessage, m *networkModel) {
	var s inventory.NetworkSpec
	decodeSpec(d, raw, &s)
	m.Mode, m.Interface, m.Subnet = str(string(s.Mode)), str(s.Interface), types.StringValue(s.Subnet)
	m.Gateway, m.DNS, m.Domain = str(s.Gateway), stringList(ctx, d, s.DNS), str(s.Domain)
	m.NTP, m.Discovery = stringList(ctx, d, s.NTP), boolOrNull(s.Discovery)
	m.RangeStart, m.RangeEnd = types.StringNull(), types.StringNull()
	if s.Range != nil {
		m.RangeStart, m.RangeEnd = str(s.Range.Start), str(s.Range.End)
	}
	m.RelayAgents, m.LeaseTime = stringList(ctx, d, s.RelayAgents), str(s.LeaseTime)
}
