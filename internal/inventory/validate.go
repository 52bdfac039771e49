package inventory

import (
	"fmt"
	"maps"
	"slices"
)

// validator collects the errors of one Validate call.
type validator struct {
	errs ErrorList
	// index holds every object references may resolve to: the declared
	// objects and the live ones that stay.
	index map[Key]*Object
	// declared is the declared objects (normalized in place).
	declared []*Object
}

func (v *validator) errorf(o *Object, field, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{
		File: o.Source.File, Kind: o.Kind, Name: o.Metadata.Name, Field: field,
		Line: o.Source.lineOf(field), Message: fmt.Sprintf(format, args...),
	})
}

func validate(objs, others []Object) ErrorList {
	v := &validator{index: make(map[Key]*Object, len(objs)+len(others))}
	for i := range objs {
		o := &objs[i]
		v.object(o)
		if first, dup := v.index[o.Key()]; dup && o.Metadata.Name != "" {
			v.errorf(o, "metadata.name", "%s is declared twice (first in %s)", o.Key(), where(first))
			continue
		}
		v.index[o.Key()] = o
		v.declared = append(v.declared, o)
	}
	for i := range others {
		if _, declared := v.index[others[i].Key()]; !declared {
			v.index[others[i].Key()] = &others[i]
		}
	}
	v.references()
	v.uniqueMACs(others)
	v.uniqueIPs()
	v.membership()
	return sortErrors(v.errs, objs)
}

// where says where an object was declared: "site/a.yaml line 3", or "the
// live inventory" for a stored object.
func where(o *Object) string {
	switch {
	case o.Source.File == "":
		return "the live inventory"
	case o.Source.Line > 0:
		return fmt.Sprintf("%s line %d", o.Source.File, o.Source.Line)
	}
	return o.Source.File
}

// sortErrors orders errors by object (in declaration order), then line.
func sortErrors(errs ErrorList, objs []Object) ErrorList {
	if len(errs) == 0 {
		return nil
	}
	order := make(map[Key]int, len(objs))
	for i := len(objs) - 1; i >= 0; i-- {
		order[objs[i].Key()] = i
	}
	slices.SortStableFunc(errs, func(a, b *FieldError) int {
		ka, kb := Key{Kind: a.Kind, Name: a.Name}, Key{Kind: b.Kind, Name: b.Name}
		if d := order[ka] - order[kb]; d != 0 {
			return d
		}
		return a.Line - b.Line
	})
	return errs
}

// object checks what one object can say about itself.
func (v *validator) object(o *Object) {
	if o.APIVersion != APIVersion {
		v.errorf(o, "apiVersion", "unsupported apiVersion %s (want %s)", quoteShort(o.APIVersion), APIVersion)
	}
	if o.Metadata.Name == "" {
		v.errorf(o, "metadata.name", "required")
	} else if msg := checkName(o.Metadata.Name); msg != "" {
		v.errorf(o, "metadata.name", "%s", msg)
	}
	v.labels(o, "metadata.labels", o.Metadata.Labels)
	if len(o.Metadata.Annotations) > 0 {
		v.errorf(o, "metadata.annotations", "not supported yet (the appliance keeps labels only)")
	}
	switch s := o.Spec.(type) {
	case *MachineSpec:
		v.machine(o, s)
	case *NetworkSpec:
		v.network(o, s)
	case *ImageSpec:
		v.image(o, s)
	case *ClusterSpec:
		v.cluster(o, s)
	case *FleetSpec:
		v.fleet(o, s)
	case *CredentialsSpec:
		if msg := oneOf(s.Type, "", "bmc", "kubeconfig"); msg != "" {
			v.errorf(o, "spec.type", "%s", msg)
		}
	default:
		v.errorf(o, "spec", "%s has no spec of kind %s", o.Key(), quoteShort(string(o.Kind)))
	}
}

// labels checks label keys and values (sorted, for stable messages).
func (v *validator) labels(o *Object, field string, labels map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		p := joinPath(field, k)
		if msg := checkLabelKey(k); msg != "" {
			v.errorf(o, p, "%s", msg)
		}
		if msg := checkLabelValue(labels[k]); msg != "" {
			v.errorf(o, p, "%s", msg)
		}
	}
}

// references reports every reference that does not resolve.
func (v *validator) references() {
	for _, o := range v.declared {
		for _, r := range refsOf(o) {
			if _, ok := v.index[r.Target]; !ok {
				v.errorf(o, r.Field, "%s is not declared", r.Target)
			}
		}
	}
}

// spec returns the typed spec of the object key resolves to, or nil.
func spec[T any](v *validator, k Kind, name string) *T {
	if o, ok := v.index[Key{Kind: k, Name: name}]; ok {
		s, _ := o.Spec.(*T)
		return s
	}
	return nil
}

// uniqueMACs reports a MAC used by two machines (declared, or live ones that stay).
func (v *validator) uniqueMACs(others []Object) {
	owner := map[string]*Object{}
	for i := range others {
		o := &others[i]
		if s, ok := o.Spec.(*MachineSpec); ok && v.index[o.Key()] == o {
			if mac, err := normalizeMAC(s.MAC); err == nil {
				owner[mac] = o
			}
		}
	}
	for _, o := range v.declared {
		s, ok := o.Spec.(*MachineSpec)
		if !ok || s.MAC == "" {
			continue
		}
		if first, dup := owner[s.MAC]; dup {
			v.errorf(o, "spec.mac", "%s is already the MAC of %s (%s)", s.MAC, first.Key(), where(first))
			continue
		}
		owner[s.MAC] = o
	}
}
