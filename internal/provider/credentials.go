package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// credentialsResource is a secret held by the appliance (sealed at rest)
// and the declared Credentials object that machines refer to. The password
// is write-only on the appliance: Terraform keeps what it last sent, so a
// password changed elsewhere cannot show as drift (the username does).
type credentialsResource struct{ c *client }

type credentialsModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Username    types.String `tfsdk:"username"`
	Password    types.String `tfsdk:"password"`
	Type        types.String `tfsdk:"type"`
	Description types.String `tfsdk:"description"`
}

var credentialsFields = fieldMap{"name": "name", "username": "username", "password": "password",
	"metadata.name": "name", "spec.type": "type", "spec.description": "description"}

func newCredentialsResource() resource.Resource { return &credentialsResource{} }

func (r *credentialsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_credentials"
}

func (r *credentialsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *credentialsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "BMC credentials held by the appliance (encrypted at rest; the password is never returned).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, Description: "The credentials' name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true, Description: "Name machines refer to (bmc_credentials).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"username": schema.StringAttribute{Required: true, Description: "The BMC user name."},
			"password": schema.StringAttribute{Required: true, Sensitive: true,
				Description: "The BMC password (sealed by the appliance; write-only)."},
			"type":        schema.StringAttribute{Optional: true, Description: "bmc (default)."},
			"description": schema.StringAttribute{Optional: true, Description: "Free text."},
		},
	}
}

// write stores the secret and declares the object.
func (r *credentialsResource) write(ctx context.Context, d *diag.Diagnostics, m *credentialsModel) {
	name := m.Name.ValueString()
	_, err := r.c.api.CreateCredentials(ctx, api.CredentialsRequest{Name: name,
		Username: m.Username.ValueString(), Password: m.Password.ValueString()})
	if err != nil {
		r.c.addError(d, credentialsFields, "Cannot store credentials "+name, err)
		return
	}
	obj := inventory.Object{Kind: inventory.KindCredentials, Metadata: inventory.Metadata{Name: name},
		Spec: &inventory.CredentialsSpec{Type: m.Type.ValueString(), Description: m.Description.ValueString()}}
	if err := r.c.apply(ctx, obj, nil); err != nil {
		r.c.addError(d, credentialsFields, "Cannot declare credentials "+name, err)
		return
	}
	m.ID = m.Name
}

func (r *credentialsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.save(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

// save writes the planned credentials (an upsert: create and update are the
// same call) and records them in state.
func (r *credentialsResource) save(ctx context.Context, plan tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics) {
	var m credentialsModel
	diags.Append(plan.Get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	if r.write(ctx, diags, &m); diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, &m)...)
}

func (r *credentialsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m credentialsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := r.c.api.Credential(ctx, m.Name.ValueString())
	switch {
	case api.IsStatus(err, 404):
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		r.c.addError(&resp.Diagnostics, nil, "Cannot read credentials "+m.Name.ValueString(), err)
		return
	case !got.HasSecret:
		resp.State.RemoveResource(ctx) // declared but without a secret: Terraform must store one
		return
	}
	m.ID, m.Username = types.StringValue(got.Name), types.StringValue(got.Username)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *credentialsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.save(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *credentialsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m credentialsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.deleteOne(ctx, inventory.KindCredentials, m.Name.ValueString(), 0); err != nil {
		r.c.addError(&resp.Diagnostics, credentialsFields, "Cannot delete credentials "+m.Name.ValueString(), err)
	}
}

func (r *credentialsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByName(ctx, req, resp)
}
