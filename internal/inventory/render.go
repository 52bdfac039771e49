package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// rendered is an object in the form plans compare and show: its YAML tree
// (apiVersion, kind, metadata, spec; fields in struct order) and its leaves.
type rendered struct {
	tree   *yaml.Node
	leaves []leaf
}

// leaf is one scalar of an object at its path (spec.disks[0].sizeGiB).
type leaf struct {
	path  string
	value any // string, int64, float64, bool or nil
}

func render(o *Object) (*rendered, error) {
	spec, err := o.SpecJSON()
	if err != nil {
		return nil, err
	}
	specNode, err := jsonToNode(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: render spec: %w", o.Key(), err)
	}
	meta := mapping("name", str(o.Metadata.Name))
	if len(o.Metadata.Labels) > 0 {
		labels := mapping()
		for _, k := range slices.Sorted(maps.Keys(o.Metadata.Labels)) {
			labels.Content = append(labels.Content, str(k), str(o.Metadata.Labels[k]))
		}
		meta.Content = append(meta.Content, str("labels"), labels)
	}
	tree := mapping("apiVersion", str(APIVersion), "kind", str(string(o.Kind)), "metadata", meta, "spec", specNode)
	r := &rendered{tree: tree}
	if len(o.Metadata.Labels) > 0 {
		r.flatten(meta.Content[3], "metadata.labels")
	}
	r.flatten(specNode, "spec")
	return r, nil
}

// text is the object as YAML.
func (r *rendered) text() (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(r.tree); err != nil {
		return "", fmt.Errorf("render: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("render: %w", err)
	}
	return b.String(), nil
}

func (r *rendered) flatten(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			r.flatten(n.Content[i+1], joinPath(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			r.flatten(e, indexPath(path, i))
		}
	default:
		r.leaves = append(r.leaves, leaf{path: path, value: scalarValue(n)})
	}
}

func scalarValue(n *yaml.Node) any {
	switch n.Tag {
	case "!!int":
		i, _ := strconv.ParseInt(n.Value, 10, 64)
		return i
	case "!!float":
		f, _ := strconv.ParseFloat(n.Value, 64)
		return f
	case "!!bool":
		return n.Value == "true"
	case "!!null":
		return nil
	}
	return n.Value
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// mapping builds a mapping node from alternating keys (strings) and values.
func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}

// jsonToNode converts JSON to a YAML node tree keeping the key order.
func jsonToNode(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return tokenNode(dec)
}

func tokenNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, str(fmt.Sprint(k)))
			}
			v, err := tokenNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		_, err := dec.Token() // the closing delimiter
		return n, err
	case string:
		return str(t), nil
	case json.Number:
		tag := "!!int"
		if _, err := t.Int64(); err != nil {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
}
