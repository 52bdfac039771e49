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

type clusterModel struct {
	baseModel
	KubernetesVersion    types.String `tfsdk:"kubernetes_version"`
	ControlPlaneMachines types.List   `tfsdk:"control_plane_machines"`
	ControlPlaneEndpoint types.String `tfsdk:"control_plane_endpoint"`
	WorkerMachines       types.List   `tfsdk:"worker_machines"`
	WorkerSelector       types.Map    `tfsdk:"worker_selector"`
	Fleet                types.String `tfsdk:"fleet"`
	PodCIDR              types.String `tfsdk:"pod_cidr"`
	ServiceCIDR          types.String `tfsdk:"service_cidr"`
}

func newClusterResource() resource.Resource {
	opt := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc}
	}
	return &objectResource[clusterModel, *clusterModel]{k: objectKind[clusterModel]{
		typeName: "cluster", kind: inventory.KindCluster,
		description: "A Kubernetes cluster built from machines (inventory kind Cluster).",
		attrs: map[string]schema.Attribute{
			"kubernetes_version": schema.StringAttribute{Required: true, Description: "Kubernetes version (v1.31.4)."},
			"control_plane_machines": schema.ListAttribute{Required: true, ElementType: types.StringType,
				Description: "Names of the control-plane machines (1 or 3)."},
			"control_plane_endpoint": opt("The API server endpoint (host:port)."),
			"worker_machines": schema.ListAttribute{Optional: true, ElementType: types.StringType,
				Description: "Worker machines by name."},
			"worker_selector": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				Description: "Worker machines by labels (all must match)."},
			"fleet":        opt("The fleet the cluster belongs to."),
			"pod_cidr":     opt("Pod network CIDR."),
			"service_cidr": opt("Service network CIDR."),
		},
		fields: fieldMap{"metadata.name": "name", "metadata.labels": "labels",
			"spec.kubernetesVersion": "kubernetes_version", "spec.controlPlane": "control_plane_machines",
			"spec.controlPlane.endpoint": "control_plane_endpoint", "spec.workers": "worker_machines",
			"spec.workers.selector": "worker_selector", "spec.fleet": "fleet", "spec.podCIDR": "pod_cidr",
			"spec.serviceCIDR": "service_cidr"},
		toSpec:   clusterSpec,
		fromSpec: clusterFromSpec,
	}}
}

func clusterSpec(ctx context.Context, d *diag.Diagnostics, m *clusterModel) any {
	return &inventory.ClusterSpec{
		KubernetesVersion: m.KubernetesVersion.ValueString(),
		ControlPlane: inventory.ControlPlane{Machines: listStrings(ctx, d, m.ControlPlaneMachines),
			Endpoint: m.ControlPlaneEndpoint.ValueString()},
		Workers: inventory.Workers{Machines: listStrings(ctx, d, m.WorkerMachines),
			Selector: mapStrings(ctx, d, m.WorkerSelector)},
		Fleet: m.Fleet.ValueString(), PodCIDR: m.PodCIDR.ValueString(), ServiceCIDR: m.ServiceCIDR.ValueString(),
	}
}

func clusterFromSpec(ctx context.Context, d *diag.Diagnostics, raw json.RawMessage, m *clusterModel) {
	var s inventory.ClusterSpec
	decodeSpec(d, raw, &s)
	m.KubernetesVersion = types.StringValue(s.KubernetesVersion)
	m.ControlPlaneMachines = stringList(ctx, d, s.ControlPlane.Machines)
	m.ControlPlaneEndpoint = str(s.ControlPlane.Endpoint)
	m.WorkerMachines, m.WorkerSelector = stringList(ctx, d, s.Workers.Machines), stringMap(ctx, d, s.Workers.Selector)
	m.Fleet, m.PodCIDR, m.ServiceCIDR = str(s.Fleet), str(s.PodCIDR), str(s.ServiceCIDR)
}
