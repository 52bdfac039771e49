package inventory

import (
	"fmt"
	"slices"
)

// ref is one reference from an object to another, at a field.
type ref struct {
	Field  string
	Target Key
}

// refsOf returns the references o makes (empty names are not references).
func refsOf(o *Object) []ref {
	var out []ref
	add := func(field string, k Kind, name string) {
		if name != "" {
			out = append(out, ref{Field: field, Target: Key{Kind: k, Name: name}})
		}
	}
	switch s := o.Spec.(type) {
	case *MachineSpec:
		add("spec.network", KindNetwork, s.Network)
		if s.BMC != nil {
			add("spec.bmc.credentialsRef", KindCredentials, s.BMC.CredentialsRef)
		}
		add("spec.image", KindImage, s.Image)
		add("spec.cluster", KindCluster, s.Cluster)
	case *ClusterSpec:
		for i, m := range s.ControlPlane.Machines {
			add(indexPath("spec.controlPlane.machines", i), KindMachine, m)
		}
		for i, m := range s.Workers.Machines {
			add(indexPath("spec.workers.machines", i), KindMachine, m)
		}
		add("spec.fleet", KindFleet, s.Fleet)
	case *FleetSpec:
		for i, c := range s.Clusters {
			add(indexPath("spec.clusters", i), KindCluster, c)
		}
		for i, e := range s.Exporters {
			add(indexPath("spec.exporters", i)+".credentialsRef", KindCredentials, e.CredentialsRef)
		}
	}
	return out
}

// membership checks that clusters and machines, and fleets and clusters,
// agree about who belongs where.
func (v *validator) membership() {
	member := map[string]string{} // machine → "Cluster c (spec.controlPlane.machines[0])"
	inFleet := map[string]string{}
	for _, o := range v.declared {
		switch s := o.Spec.(type) {
		case *ClusterSpec:
			seen := map[string]string{}
			v.members(o, "spec.controlPlane.machines", s.ControlPlane.Machines, seen, member)
			v.members(o, "spec.workers.machines", s.Workers.Machines, seen, member)
			if f := spec[FleetSpec](v, KindFleet, s.Fleet); f != nil && len(f.Clusters) > 0 && !slices.Contains(f.Clusters, o.Metadata.Name) {
				v.errorf(o, "spec.fleet", "Fleet %s does not list this cluster in its spec.clusters", s.Fleet)
			}
		case *FleetSpec:
			for i, c := range s.Clusters {
				field := indexPath("spec.clusters", i)
				if first, ok := inFleet[c]; ok && first != o.Metadata.Name {
					v.errorf(o, field, "Cluster %s is already in Fleet %s", c, first)
					continue
				}
				inFleet[c] = o.Metadata.Name
				if cs := spec[ClusterSpec](v, KindCluster, c); cs != nil && cs.Fleet != "" && cs.Fleet != o.Metadata.Name {
					v.errorf(o, field, "Cluster %s belongs to Fleet %s (its spec.fleet)", c, cs.Fleet)
				}
			}
		}
	}
}

// members checks one list of a cluster's machines.
func (v *validator) members(o *Object, field string, names []string, seen, member map[string]string) {
	for i, m := range names {
		f := indexPath(field, i)
		here := fmt.Sprintf("%s (%s)", o.Key(), f)
		switch first, dup := seen[m]; {
		case dup:
			v.errorf(o, f, "Machine %s is already listed at %s", m, first)
			continue
		case member[m] != "":
			v.errorf(o, f, "Machine %s is already a member of %s", m, member[m])
			continue
		}
		seen[m], member[m] = f, here
		ms := spec[MachineSpec](v, KindMachine, m)
		if ms != nil && ms.Cluster != "" && ms.Cluster != o.Metadata.Name {
			v.errorf(o, f, "Machine %s belongs to Cluster %s (its spec.cluster)", m, ms.Cluster)
		}
	}
}
