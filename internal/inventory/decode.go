package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decoding limits. The server caps the size of each file; these bound what a
// file of that size can make the decoder do. Nesting is bounded by the YAML
// parser (10,000 levels) and, for what is decoded, by the depth of the Go
// types; aliases are refused, so nothing is expanded.
const (
	maxDocuments = 10000
	// maxErrors stops collecting errors for one file after this many.
	maxErrors = 200
)

// kindList is the kinds as error messages list them.
const kindList = "Network, Machine, Image, Cluster, Fleet, Credentials"

func decodeFile(file string, data []byte) ([]Object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var (
		objs []Object
		errs ErrorList
	)
	for n := 0; len(errs) < maxErrors; n++ {
		var doc yaml.Node
		err := safeDecode(dec, &doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, syntaxError(file, err))
			break
		}
		if n == maxDocuments {
			errs = append(errs, &FieldError{File: file, Line: doc.Line,
				Message: fmt.Sprintf("too many documents (limit %d)", maxDocuments)})
			break
		}
		obj, docErrs, ok := decodeDocument(file, &doc)
		errs = append(errs, docErrs...)
		if ok && len(docErrs) == 0 {
			objs = append(objs, obj)
		}
	}
	if len(errs) > maxErrors {
		errs = append(errs[:maxErrors], &FieldError{File: file, Message: "too many errors; stopped here"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return objs, nil
}

// safeDecode turns a panic inside the YAML parser into an error: bad input
// must never bring the server down.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// syntaxError turns a YAML parser error ("yaml: line 3: did not find
// expected key") into a FieldError with the line.
func syntaxError(file string, err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	return &FieldError{File: file, Line: line, Message: "invalid YAML: " + msg}
}

// decodeDocument decodes one document. ok is false for an empty document.
func decodeDocument(file string, doc *yaml.Node) (Object, ErrorList, bool) {
	if len(doc.Content) == 0 {
		return Object{}, nil, false
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return Object{}, nil, false
	}
	w := newWalker()
	obj := Object{Source: Source{File: file, Line: root.Line}}
	if root.Kind != yaml.MappingNode {
		w.errorf("", root, "a document must be a mapping with apiVersion, kind, metadata and spec; got %s", describe(root))
	} else {
		w.object(root, &obj)
	}
	obj.Source.Fields = w.lines
	for _, e := range w.errs {
		e.File, e.Kind, e.Name = file, obj.Kind, obj.Metadata.Name
	}
	slices.SortStableFunc(w.errs, func(a, b *FieldError) int { return a.Line - b.Line })
	return obj, w.errs, true
}

// object decodes the top level of a document into obj.
func (w *walker) object(root *yaml.Node, obj *Object) {
	fields := map[string]*yaml.Node{}
	for _, p := range w.pairs(root, "") {
		switch p.key {
		case "apiVersion", "kind", "metadata", "spec":
			fields[p.key] = p.value
		default:
			w.errorf(p.key, p.keyNode, "unknown field")
		}
	}
	w.apiVersion(root, fields["apiVersion"], obj)
	w.kind(root, fields["kind"], obj)
	if n := fields["metadata"]; n != nil {
		w.value(n, valueOf(&obj.Metadata), "metadata")
	}
	if obj.Metadata.Name == "" {
		w.errorf("metadata.name", orNode(fields["metadata"], root), "required")
	}
	if len(obj.Metadata.Annotations) > 0 {
		w.errs = append(w.errs, &FieldError{Field: "metadata.annotations", Line: w.lines["metadata.annotations"],
			Message: "not supported yet (the appliance keeps labels only)"})
	}
	if obj.Kind == "" {
		return
	}
	obj.Spec = NewSpec(obj.Kind)
	if n := fields["spec"]; n != nil {
		w.value(n, valueOf(obj.Spec), "spec")
	}
}

func (w *walker) apiVersion(root, n *yaml.Node, obj *Object) {
	switch {
	case n == nil:
		w.errorf("apiVersion", root, "required (want %s)", APIVersion)
	case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str":
		w.errorf("apiVersion", n, "want %s, got %s", APIVersion, describe(n))
	case n.Value != APIVersion:
		w.errorf("apiVersion", n, "unsupported apiVersion %q (want %s)", n.Value, APIVersion)
	default:
		obj.APIVersion = n.Value
	}
	w.lines["apiVersion"] = orNode(n, root).Line
}

func (w *walker) kind(root, n *yaml.Node, obj *Object) {
	switch {
	case n == nil:
		w.errorf("kind", root, "required (want one of %s)", kindList)
	case n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str":
		w.errorf("kind", n, "want one of %s, got %s", kindList, describe(n))
	case NewSpec(Kind(n.Value)) == nil:
		w.errorf("kind", n, "unknown kind %q (want one of %s)", n.Value, kindList)
	default:
		obj.Kind = Kind(n.Value)
	}
	w.lines["kind"] = orNode(n, root).Line
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

// describe names what a node holds, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	switch n.ShortTag() {
	case "!!str":
		return strconv.Quote(v)
	case "!!null":
		return "null"
	case "!!int", "!!float", "!!bool":
		return v
	}
	return fmt.Sprintf("%s %q", n.ShortTag(), v)
}
