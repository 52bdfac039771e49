package cli

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// objectColumns are the table columns of one kind (after NAME, before AGE).
type objectColumns struct {
	header []string
	cells  func(spec any) []string
}

var columnsByKind = map[inventory.Kind]objectColumns{
	inventory.KindNetwork: {[]string{"MODE", "SUBNET", "RANGE", "DISCOVERY"}, func(s any) []string {
		n := s.(*inventory.NetworkSpec)
		r := ""
		if n.Range != nil {
			r = n.Range.Start + "-" + n.Range.End
		}
		return []string{string(orDefault(n.Mode, inventory.ModeFull)), n.Subnet, orNone(r), yesNo(n.Discovery)}
	}},
	inventory.KindImage: {[]string{"FORMAT", "SOURCE", "SHA256"}, func(s any) []string {
		im := s.(*inventory.ImageSpec)
		src := im.URL
		if src == "" {
			src = im.File
		}
		return []string{im.Format, src, short(im.SHA256, 12)}
	}},
	inventory.KindFleet: {[]string{"CLUSTERS", "DESCRIPTION"}, func(s any) []string {
		f := s.(*inventory.FleetSpec)
		return []string{orNone(strings.Join(f.Clusters, ",")), orNone(f.Description)}
	}},
}

func orDefault[T ~string](v, def T) T {
	if v == "" {
		return def
	}
	return v
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// objectTable prints objects of one kind with that kind's columns.
func (a *app) objectTable(w io.Writer, kind inventory.Kind, objs []api.Object) {
	now := a.env.Now()
	cols, ok := columnsByKind[kind]
	header := append([]string{"NAME"}, cols.header...)
	row(w, append(header, "REVISION", "AGE")...)
	for _, o := range objs {
		cells := []string{o.Name}
		if ok {
			spec := inventory.NewSpec(kind)
			if err := json.Unmarshal(o.Spec, spec); err != nil {
				spec = inventory.NewSpec(kind) // show empty cells rather than fail the listing
			}
			cells = append(cells, cols.cells(spec)...)
		}
		row(w, append(cells, strconv.FormatInt(o.Revision, 10), age(now, o.CreatedAt))...)
	}
}
