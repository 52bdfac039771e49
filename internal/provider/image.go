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

type imageModel struct {
	baseModel
	URL             types.String `tfsdk:"url"`
	File            types.String `tfsdk:"file"`
	Format          types.String `tfsdk:"format"`
	SHA256          types.String `tfsdk:"sha256"`
	SignatureURL    types.String `tfsdk:"signature_url"`
	SignatureKeyRef types.String `tfsdk:"signature_key_ref"`
	SignatureType   types.String `tfsdk:"signature_type"`
}

func newImageResource() resource.Resource {
	opt := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Description: desc}
	}
	return &objectResource[imageModel, *imageModel]{k: objectKind[imageModel]{
		typeName: "image", kind: inventory.KindImage,
		description: "An installable OS image (inventory kind Image).",
		attrs: map[string]schema.Attribute{
			"url":               opt("http(s) URL the appliance fetches the image from (exactly one of url and file)."),
			"file":              opt("A path on the appliance (exactly one of url and file)."),
			"format":            schema.StringAttribute{Required: true, Description: "raw, raw.zst, raw.gz or raw.xz."},
			"sha256":            schema.StringAttribute{Required: true, Description: "The image's SHA-256 (64 hex digits)."},
			"signature_url":     opt("URL of a detached signature."),
			"signature_key_ref": opt("The configured key that checks the signature."),
			"signature_type":    opt("ed25519 (default) or minisign."),
		},
		fields: fieldMap{"metadata.name": "name", "metadata.labels": "labels", "spec": "url", "spec.url": "url",
			"spec.file": "file", "spec.format": "format", "spec.sha256": "sha256", "spec.signature": "signature_key_ref",
			"spec.signature.url": "signature_url", "spec.signature.type": "signature_type"},
		toSpec:   imageSpec,
		fromSpec: imageFromSpec,
	}}
}

func imageSpec(_ context.Context, _ *diag.Diagnostics, m *imageModel) any {
	s := &inventory.ImageSpec{URL: m.URL.ValueString(), File: m.File.ValueString(),
		Format: m.Format.ValueString(), SHA256: m.SHA256.ValueString()}
	if m.SignatureKeyRef.ValueString() != "" || m.SignatureURL.ValueString() != "" || m.SignatureType.ValueString() != "" {
		s.Signature = &inventory.Signature{URL: m.SignatureURL.ValueString(), KeyRef: m.SignatureKeyRef.ValueString(),
			Type: m.SignatureType.ValueString()}
	}
	return s
}

func imageFromSpec(_ context.Context, d *diag.Diagnostics, raw json.RawMessage, m *imageModel) {
	var s inventory.ImageSpec
	decodeSpec(d, raw, &s)
	m.URL, m.File, m.Format, m.SHA256 = str(s.URL), str(s.File), types.StringValue(s.Format), types.StringValue(s.SHA256)
	m.SignatureURL, m.SignatureKeyRef, m.SignatureType = types.StringNull(), types.StringNull(), types.StringNull()
	if s.Signature != nil {
		m.SignatureURL, m.SignatureKeyRef, m.SignatureType = str(s.Signature.URL), str(s.Signature.KeyRef), str(s.Signature.Type)
	}
}
