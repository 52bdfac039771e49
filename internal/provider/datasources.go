package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/api"
)

// machineInfo is one machine as the data sources show it.
type machineInfo struct {
	Name              types.String `tfsdk:"name"`
	MAC               types.String `tfsdk:"mac"`
	Rack              types.String `tfsdk:"rack"`
	Labels            types.Map    `tfsdk:"labels"`
	State             types.String `tfsdk:"state"`
	Power             types.String `tfsdk:"power"`
	Network           types.String `tfsdk:"network"`
	IP                types.String `tfsdk:"ip"`
	BMCAddress        types.String `tfsdk:"bmc_address"`
	Image             types.String `tfsdk:"image"`
	Cluster           types.String `tfsdk:"cluster"`
	CPUs              types.Int64  `tfsdk:"cpus"`
	MemoryGiB         types.Int64  `tfsdk:"memory_gib"`
	InspectedHardware types.String `tfsdk:"inspected_hardware"`
}

func infoAttributes() map[string]schema.Attribute {
	s := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	return map[string]schema.Attribute{
		"name": s("Name."), "mac": s("Boot MAC."), "rack": s("Rack label."), "state": s("Lifecycle state."),
		"labels": schema.MapAttribute{Computed: true, ElementType: types.StringType, Description: "Labels (rack too)."},
		"power":  s("Power state."), "network": s("Boot network."), "ip": s("Reserved address."),
		"bmc_address": s("BMC address."), "image": s("Image."), "cluster": s("Cluster."),
		"cpus":               schema.Int64Attribute{Computed: true, Description: "Declared CPU count."},
		"memory_gib":         schema.Int64Attribute{Computed: true, Description: "Declared memory (GiB)."},
		"inspected_hardware": s("Inspected hardware (JSON)."),
	}
}

func infoOf(ctx context.Context, d *diag.Diagnostics, am api.Machine) machineInfo {
	var m machineModel
	m.fill(ctx, d, am, nil)
	out := machineInfo{Name: m.Name, MAC: m.MAC, Rack: m.Rack, Labels: stringMap(ctx, d, am.Labels),
		State: m.State, Power: m.Power, Network: m.Network, IP: m.IP, BMCAddress: m.BMCAddress, Image: m.Image,
		Cluster: m.Cluster, CPUs: types.Int64Null(), MemoryGiB: types.Int64Null(), InspectedHardware: m.InspectedHardware}
	if m.Hardware != nil {
		out.CPUs, out.MemoryGiB = m.Hardware.CPUs, m.Hardware.MemoryGiB
	}
	return out
}

type machineDataSource struct{ c *client }

func newMachineDataSource() datasource.DataSource { return &machineDataSource{} }

func (ds *machineDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_machine"
}

func (ds *machineDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := infoAttributes()
	attrs["name"] = schema.StringAttribute{Required: true, Description: "The machine's name."}
	resp.Schema = schema.Schema{Description: "One machine, declared or discovered, with its observed state.", Attributes: attrs}
}

func (ds *machineDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	ds.c = configured(req.ProviderData, &resp.Diagnostics)
}

func (ds *machineDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	if resp.Diagnostics.HasError() {
		return
	}
	am, ok, err := ds.c.machine(ctx, name.ValueString())
	if err != nil {
		ds.c.addError(&resp.Diagnostics, nil, "Cannot read machine "+name.ValueString(), err)
		return
	}
	if !ok {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "No such machine",
			"the appliance has no machine named "+name.ValueString())
		return
	}
	info := infoOf(ctx, &resp.Diagnostics, am)
	resp.Diagnostics.Append(resp.State.Set(ctx, &info)...)
}

type machinesDataSource struct{ c *client }

type machinesModel struct {
	Labels       types.Map     `tfsdk:"labels"`
	State        types.String  `tfsdk:"state"`
	Cluster      types.String  `tfsdk:"cluster"`
	MinCPUs      types.Int64   `tfsdk:"min_cpus"`
	MinMemoryGiB types.Int64   `tfsdk:"min_memory_gib"`
	Names        types.List    `tfsdk:"names"`
	Machines     []machineInfo `tfsdk:"machines"`
}

func newMachinesDataSource() datasource.DataSource { return &machinesDataSource{} }

func (ds *machinesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_machines"
}

func (ds *machinesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Machines matching every filter given, in name order.",
		Attributes: map[string]schema.Attribute{
			"labels": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				Description: "Labels every machine must carry (rack too)."},
			"state":          schema.StringAttribute{Optional: true, Description: "Lifecycle state."},
			"cluster":        schema.StringAttribute{Optional: true, Description: "Cluster."},
			"min_cpus":       schema.Int64Attribute{Optional: true, Description: "Declared hardware: at least this many CPUs."},
			"min_memory_gib": schema.Int64Attribute{Optional: true, Description: "Declared hardware: at least this much memory."},
			"names": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				Description: "Names of the matching machines."},
			"machines": schema.ListNestedAttribute{Computed: true, Description: "The matching machines.",
				NestedObject: schema.NestedAttributeObject{Attributes: infoAttributes()}},
		},
	}
}

func (ds *machinesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	ds.c = configured(req.ProviderData, &resp.Diagnostics)
}

func (ds *machinesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m machinesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	q := api.MachineQuery{State: m.State.ValueString(), Cluster: m.Cluster.ValueString()}
	for k, v := range mapStrings(ctx, &resp.Diagnostics, m.Labels) {
		q.Labels = append(q.Labels, k+"="+v)
	}
	l, err := ds.c.api.Machines(ctx, q)
	if err != nil {
		ds.c.addError(&resp.Diagnostics, nil, "Cannot list machines", err)
		return
	}
	var names []string
	m.Machines = []machineInfo{}
	for _, am := range l.Items {
		info := infoOf(ctx, &resp.Diagnostics, am)
		if info.CPUs.ValueInt64() < m.MinCPUs.ValueInt64() || info.MemoryGiB.ValueInt64() < m.MinMemoryGiB.ValueInt64() {
			continue
		}
		names = append(names, am.Name)
		m.Machines = append(m.Machines, info)
	}
	m.Names, _ = types.ListValueFrom(ctx, types.StringType, append([]string{}, names...))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
