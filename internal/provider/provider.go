// Package provider is the Slipway Terraform provider (terraform-plugin-framework,
// protocol 6): resources slipway_machine, slipway_network, slipway_image,
// slipway_cluster and slipway_credentials, data sources slipway_machine and
// slipway_machines. Every write goes through the appliance's inventory
// plan/apply API as a single-object apply with the expected revision, so the
// appliance validates it exactly as it validates an inventory file.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/api"
)

// Environment variables the provider reads when its settings are not set.
const (
	EnvServer = "SLIPWAY_SERVER"
	EnvToken  = "SLIPWAY_TOKEN"
	EnvCAFile = "SLIPWAY_CA_FILE"
)

// Provider is the slipway provider. Build it with New.
type Provider struct {
	version string
	getenv  func(string) string
}

// New returns a factory for the provider (what providerserver.NewProtocol6 takes).
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &Provider{version: version, getenv: os.Getenv} }
}

type providerModel struct {
	Endpoint types.String `tfsdk:"endpoint"`
	Token    types.String `tfsdk:"token"`
	CACert   types.String `tfsdk:"ca_cert"`
}

// Metadata names the provider.
func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "slipway"
	resp.Version = p.version
}

// Schema describes the provider settings.
func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Drives a Slipway bare-metal provisioning appliance through its REST API.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{Optional: true,
				Description: "The appliance URL (https://host:port). Default: the " + EnvServer + " environment variable."},
			"token": schema.StringAttribute{Optional: true, Sensitive: true,
				Description: "An API token (slw_...). Default: the " + EnvToken + " environment variable."},
			"ca_cert": schema.StringAttribute{Optional: true,
				Description: "PEM of the CA that signed the appliance's certificate (its own CA). Default: the file named by " +
					EnvCAFile + "; otherwise the system roots."},
		},
	}
}

// Configure builds the API client and checks the appliance answers and
// accepts the token (one request), so that an unreachable appliance or an
// expired token is reported once, naming the setting to fix.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Endpoint.IsUnknown() || m.Token.IsUnknown() || m.CACert.IsUnknown() {
		return // known only after apply: resources report "provider not configured" if used
	}
	endpoint := pick(m.Endpoint, p.getenv(EnvServer))
	token := pick(m.Token, p.getenv(EnvToken))
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing appliance endpoint",
			"Set endpoint in the provider block or the "+EnvServer+" environment variable (https://host:port).")
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing API token",
			"Set token in the provider block or the "+EnvToken+" environment variable (create one with `slipway create token`).")
	}
	caPEM := []byte(m.CACert.ValueString())
	if len(caPEM) == 0 {
		if f := p.getenv(EnvCAFile); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("ca_cert"), "Cannot read CA file",
					EnvCAFile+": "+err.Error())
			}
			caPEM = b
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := api.New(endpoint, token, caPEM)
	if err != nil {
		attr := "endpoint"
		if len(caPEM) > 0 && m.CACert.ValueString() != "" {
			attr = "ca_cert"
		}
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Invalid provider setting", err.Error())
		return
	}
	cl := newClient(c)
	if _, err := c.Whoami(ctx); err != nil {
		cl.addError(&resp.Diagnostics, nil, "Cannot use the Slipway appliance", err)
		return
	}
	resp.ResourceData, resp.DataSourceData = cl, cl
}

func pick(v types.String, env string) string {
	if !v.IsNull() && v.ValueString() != "" {
		return v.ValueString()
	}
	return env
}

// Resources lists the resource types.
func (p *Provider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newMachineResource, newNetworkResource, newImageResource, newClusterResource, newCredentialsResource,
	}
}

// DataSources lists the data sources.
func (p *Provider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newMachineDataSource, newMachinesDataSource}
}
