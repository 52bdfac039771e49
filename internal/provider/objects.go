package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/slipway-dev/slipway/internal/inventory"
)

// baseModel is what every inventory resource has: identity, labels and the
// stored revision (sent back as the expectation of the next write).
type baseModel struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Labels   types.Map    `tfsdk:"labels"`
	Revision types.Int64  `tfsdk:"revision"`
}

func (b *baseModel) base() *baseModel { return b }

// modelPtr is a pointer to a resource model that embeds baseModel.
type modelPtr[M any] interface {
	*M
	base() *baseModel
}

// baseAttributes are the schema of baseModel.
func baseAttributes(kind string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true, Description: "The " + kind + "'s name.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"name": schema.StringAttribute{Required: true,
			Description:   "The " + kind + "'s name (a DNS label). Changing it replaces the " + kind + ".",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"labels": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Labels (metadata.labels)."},
		"revision": schema.Int64Attribute{Computed: true,
			Description: "The stored revision; a write expects it, so a change made elsewhere is never overwritten unseen."},
	}
}

// objectKind describes one inventory kind served as api.Object.
type objectKind[M any] struct {
	typeName    string // resource type suffix: "network"
	kind        inventory.Kind
	description string
	attrs       map[string]schema.Attribute
	fields      fieldMap
	toSpec      func(context.Context, *diag.Diagnostics, *M) any
	fromSpec    func(context.Context, *diag.Diagnostics, json.RawMessage, *M)
}

// objectResource is the resource of an objectKind.
type objectResource[M any, PM modelPtr[M]] struct {
	k objectKind[M]
	c *client
}

func (r *objectResource[M, PM]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.k.typeName
}

func (r *objectResource[M, PM]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := baseAttributes(r.k.typeName)
	for k, v := range r.k.attrs {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{Description: r.k.description, Attributes: attrs}
}

func (r *objectResource[M, PM]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configured(req.ProviderData, &resp.Diagnostics)
}

func (r *objectResource[M, PM]) object(ctx context.Context, d *diag.Diagnostics, m PM) inventory.Object {
	b := m.base()
	return inventory.Object{Kind: r.k.kind, Metadata: inventory.Metadata{
		Name: b.Name.ValueString(), Labels: mapStrings(ctx, d, b.Labels)}, Spec: r.k.toSpec(ctx, d, (*M)(m))}
}

// read fills m from the appliance; found is false when the object is gone.
func (r *objectResource[M, PM]) read(ctx context.Context, d *diag.Diagnostics, name string, m PM) bool {
	o, ok, err := r.c.object(ctx, r.k.kind, name)
	if err != nil {
		r.c.addError(d, nil, "Cannot read "+string(r.k.kind)+" "+name, err)
		return false
	}
	if !ok {
		return false
	}
	setBase(ctx, d, m.base(), o.Name, o.Labels, o.Revision)
	r.k.fromSpec(ctx, d, o.Spec, (*M)(m))
	return true
}

func setBase(ctx context.Context, d *diag.Diagnostics, b *baseModel, name string, labels map[string]string, rev int64) {
	b.ID, b.Name = types.StringValue(name), types.StringValue(name)
	b.Labels = stringMap(ctx, d, labels)
	b.Revision = types.Int64Value(rev)
}

func (r *objectResource[M, PM]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	obj := r.object(ctx, &resp.Diagnostics, &m)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.applyOne(ctx, obj, 0); err != nil {
		r.c.addError(&resp.Diagnostics, r.k.fields, "Cannot create "+obj.Key().String(), err)
		return
	}
	r.saveAfterWrite(ctx, &resp.Diagnostics, &resp.State, obj.Metadata.Name)
}

func (r *objectResource[M, PM]) saveAfterWrite(ctx context.Context, d *diag.Diagnostics, st stateSetter, name string) {
	var m M
	if !r.read(ctx, d, name, &m) {
		if !d.HasError() {
			d.AddError("Object vanished", string(r.k.kind)+" "+name+" was written but cannot be read back")
		}
		return
	}
	d.Append(st.Set(ctx, &m)...)
}

func (r *objectResource[M, PM]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var prior M
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var m M
	if !r.read(ctx, &resp.Diagnostics, PM(&prior).base().Name.ValueString(), &m) {
		if !resp.Diagnostics.HasError() {
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *objectResource[M, PM]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m, prior M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	obj := r.object(ctx, &resp.Diagnostics, &m)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.c.applyOne(ctx, obj, PM(&prior).base().Revision.ValueInt64()); err != nil {
		r.c.addError(&resp.Diagnostics, r.k.fields, "Cannot update "+obj.Key().String(), err)
		return
	}
	r.saveAfterWrite(ctx, &resp.Diagnostics, &resp.State, obj.Metadata.Name)
}

func (r *objectResource[M, PM]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var prior M
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b := PM(&prior).base()
	if err := r.c.deleteOne(ctx, r.k.kind, b.Name.ValueString(), b.Revision.ValueInt64()); err != nil {
		r.c.addError(&resp.Diagnostics, r.k.fields, "Cannot delete "+string(r.k.kind)+" "+b.Name.ValueString(), err)
	}
}

func (r *objectResource[M, PM]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByName(ctx, req, resp)
}

// importByName imports a resource by its name: Read fills in the rest.
func importByName(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// stateSetter is resource state (tfsdk.State).
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// configured returns the provider's client, or nil before the provider is
// configured (terraform validates resources before configuring).
func configured(data any, d *diag.Diagnostics) *client {
	if data == nil {
		return nil
	}
	c, ok := data.(*client)
	if !ok {
		d.AddError("Internal error", "unexpected provider data")
		return nil
	}
	return c
}

// decodeSpec unmarshals a stored spec into v.
func decodeSpec(d *diag.Diagnostics, raw json.RawMessage, v any) {
	if err := json.Unmarshal(raw, v); err != nil {
		d.AddError("Cannot decode the stored spec", err.Error())
	}
}
