package infra

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Diff is a plan made readable: one block per resource that changes, each
// changed attribute as "path: old → new", and Terraform's summary line.
type Diff struct {
	Text    string
	Summary string
	Changes int
}

// Render turns a plan (terraform show -json) into a Diff. Changes made
// outside Terraform (found by refresh) come first, then what the plan does.
func Render(p *tfjson.Plan) Diff {
	var b strings.Builder
	var add, change, destroy int
	if drift := p.ResourceDrift; len(drift) > 0 {
		b.WriteString("Changed outside Terraform:\n")
		for _, rc := range drift {
			writeChange(&b, rc, "changed outside Terraform")
		}
		b.WriteString("\n")
	}
	for _, rc := range p.ResourceChanges {
		a := rc.Change.Actions
		switch {
		case a.NoOp(), a.Read():
			continue
		case a.Create():
			add++
		case a.Delete():
			destroy++
		case a.Update():
			change++
		case a.Replace():
			add++
			destroy++
		}
		writeChange(&b, rc, verb(a))
	}
	d := Diff{Changes: add + change + destroy}
	if d.Changes == 0 {
		d.Summary = "No changes."
	} else {
		d.Summary = fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", add, change, destroy)
	}
	b.WriteString(d.Summary + "\n")
	d.Text = b.String()
	return d
}

func verb(a tfjson.Actions) string {
	switch {
	case a.Create():
		return "create"
	case a.Delete():
		return "destroy"
	case a.Update():
		return "update in place"
	case a.Replace():
		return "replace"
	}
	return fmt.Sprint(a)
}

func symbol(what string) string {
	return map[string]string{"create": "+", "destroy": "-", "update in place": "~", "replace": "-/+"}[what]
}

// writeChange writes one resource block.
func writeChange(b *strings.Builder, rc *tfjson.ResourceChange, what string) {
	sym := symbol(what)
	if sym == "" {
		sym = "~"
	}
	fmt.Fprintf(b, "%s %s (%s)\n", sym, rc.Address, what)
	if what == "destroy" {
		return
	}
	before, after := flat(rc.Change.Before), flat(rc.Change.After)
	unknown := flat(rc.Change.AfterUnknown)
	sensitive := flat(rc.Change.AfterSensitive)
	for k, v := range flat(rc.Change.BeforeSensitive) {
		sensitive[k] = v
	}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for k, v := range unknown {
		if v == true {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(mapsKeys(keys)) {
		old, oldOK := before[k]
		nv, newOK := after[k]
		if unknown[k] == true {
			if what == "create" || what == "replace" || oldOK {
				continue // computed: not what the operator reviews
			}
			fmt.Fprintf(b, "    %s: %s → (known after apply)\n", k, show(old, oldOK))
			continue
		}
		if oldOK == newOK && reflect.DeepEqual(old, nv) {
			continue
		}
		if isSensitive(sensitive, k) {
			fmt.Fprintf(b, "    %s: (sensitive value)\n", k)
			continue
		}
		fmt.Fprintf(b, "    %s: %s → %s\n", k, show(old, oldOK), show(nv, newOK))
	}
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func isSensitive(s map[string]any, path string) bool {
	for p := path; p != ""; {
		if s[p] == true {
			return true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false
}

func show(v any, ok bool) string {
	if !ok || v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// flat maps every leaf of a JSON value to its path (labels.role, disks[0].size_gib).
func flat(v any) map[string]any {
	out := map[string]any{}
	flatten("", v, out)
	return out
}

func flatten(prefix string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && prefix != "" {
			return
		}
		for k, x := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
	case []any:
		for i, x := range t {
			flatten(prefix+"["+strconv.Itoa(i)+"]", x, out)
		}
	case nil:
	default:
		if prefix != "" {
			out[prefix] = t
		}
	}
}
