package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Empty strings, lists and maps read from the appliance become null, so
// that an attribute left out of the configuration does not show a diff.

func str(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func boolOrNull(b bool) types.Bool {
	if !b {
		return types.BoolNull()
	}
	return types.BoolValue(true)
}

func intOrNull(n int) types.Int64 {
	if n == 0 {
		return types.Int64Null()
	}
	return types.Int64Value(int64(n))
}

func stringList(ctx context.Context, d *diag.Diagnostics, s []string) types.List {
	if len(s) == 0 {
		return types.ListNull(types.StringType)
	}
	l, diags := types.ListValueFrom(ctx, types.StringType, s)
	d.Append(diags...)
	return l
}

func stringMap(ctx context.Context, d *diag.Diagnostics, m map[string]string) types.Map {
	if len(m) == 0 {
		return types.MapNull(types.StringType)
	}
	v, diags := types.MapValueFrom(ctx, types.StringType, m)
	d.Append(diags...)
	return v
}

func listStrings(ctx context.Context, d *diag.Diagnostics, l types.List) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	d.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

func mapStrings(ctx context.Context, d *diag.Diagnostics, m types.Map) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	d.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// withoutKey returns m without k (nil when nothing is left).
func withoutKey(m map[string]string, k string) map[string]string {
	if _, ok := m[k]; !ok {
		return m
	}
	out := maps.Clone(m)
	delete(out, k)
	if len(out) == 0 {
		return nil
	}
	return out
}
