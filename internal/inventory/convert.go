package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/slipway-dev/slipway/internal/store"
)

func fromStored(so store.Object) (Object, error) {
	k := Kind(so.Kind)
	spec := NewSpec(k)
	if spec == nil {
		return Object{}, fmt.Errorf("stored object %s %s: unknown kind", so.Kind, so.Name)
	}
	if len(so.Spec) > 0 && !bytes.Equal(so.Spec, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(so.Spec))
		dec.DisallowUnknownFields()
		if err := dec.Decode(spec); err != nil {
			return Object{}, fmt.Errorf("stored object %s %s: decode spec: %w", so.Kind, so.Name, err)
		}
	}
	o := Object{
		APIVersion: APIVersion,
		Kind:       k,
		Metadata:   Metadata{Name: so.Name, Labels: so.Labels},
		Spec:       spec,
		Revision:   so.Revision,
	}
	if len(o.Metadata.Labels) == 0 {
		o.Metadata.Labels = nil
	}
	return o, nil
}

func toStored(o Object) (store.Object, error) {
	spec, err := o.SpecJSON()
	if err != nil {
		return store.Object{}, err
	}
	so := store.Object{
		Kind:     string(o.Kind),
		Name:     o.Metadata.Name,
		Labels:   o.Metadata.Labels,
		Spec:     spec,
		Revision: o.Revision,
	}
	if len(so.Labels) == 0 {
		so.Labels = nil
	}
	return so, nil
}
