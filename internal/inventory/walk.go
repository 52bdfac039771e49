package inventory

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// walker decodes YAML nodes into the inventory's Go types strictly, by their
// json tag names, collecting every error with its field path and line, and
// the line of every field it decodes (for later validation messages).
type walker struct {
	errs  ErrorList
	lines map[string]int
}

func newWalker() *walker { return &walker{lines: map[string]int{}} }

func (w *walker) errorf(path string, n *yaml.Node, format string, args ...any) {
	w.errs = append(w.errs, &FieldError{Field: path, Line: n.Line, Message: fmt.Sprintf(format, args...)})
}

func valueOf(ptr any) reflect.Value { return reflect.ValueOf(ptr).Elem() }

// pair is one key/value of a mapping.
type pair struct {
	key            string
	keyNode, value *yaml.Node
}

// pairs returns a mapping's entries, reporting keys that are not scalars and
// duplicate keys (which are left out).
func (w *walker) pairs(n *yaml.Node, path string) []pair {
	out := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.errorf(path, k, "mapping keys must be strings, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			w.errorf(joinPath(path, k.Value), k, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, pair{key: k.Value, keyNode: k, value: v})
	}
	return out
}

// joinPath appends a key to a dotted path; keys that are not plain words
// (label keys such as slipway.dev/rack) are quoted in brackets.
func joinPath(path, key string) string {
	plain := key != "" && key[0] != '-'
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// value decodes n into v (addressable).
func (w *walker) value(n *yaml.Node, v reflect.Value, path string) {
	w.lines[path] = n.Line
	if n.Kind == yaml.AliasNode {
		w.errorf(path, n, "aliases (*%s) are not supported", n.Value)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null leaves the zero value, as an absent field would
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		w.value(n, v.Elem(), path)
	case reflect.Struct:
		w.structValue(n, v, path)
	case reflect.Map:
		w.mapValue(n, v, path)
	case reflect.Slice:
		w.sliceValue(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			w.errorf(path, n, "want a string, got %s%s", describe(n), quoteHint(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		w.intValue(n, v, path)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			w.errorf(path, n, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		w.errorf(path, n, "cannot decode into %s", v.Type()) // a type this walker does not know
	}
}

// quoteHint suggests quoting a number or boolean given for a string.
func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
		return ""
	}
	switch n.ShortTag() {
	case "!!int", "!!float", "!!bool":
		return fmt.Sprintf(" (quote it: \"%s\")", n.Value)
	}
	return ""
}

func (w *walker) intValue(n *yaml.Node, v reflect.Value, path string) {
	var i int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		w.errorf(path, n, "want an integer, got %s", describe(n))
		return
	}
	if err := n.Decode(&i); err != nil || i > math.MaxInt32 || i < math.MinInt32 {
		w.errorf(path, n, "integer %s is out of range", n.Value)
		return
	}
	v.SetInt(i)
}

func (w *walker) structValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		w.errorf(path, n, "want a mapping, got %s", describe(n))
		return
	}
	fields := jsonFields(v.Type())
	for _, p := range w.pairs(n, path) {
		i, ok := fields[p.key]
		fp := joinPath(path, p.key)
		if !ok {
			w.errorf(fp, p.keyNode, "unknown field")
			continue
		}
		w.value(p.value, v.Field(i), fp)
	}
}

// jsonFields maps a struct's json names to field indexes.
func jsonFields(t reflect.Type) map[string]int {
	out := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = i
	}
	return out
}

func (w *walker) mapValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		w.errorf(path, n, "want a mapping, got %s", describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, p := range w.pairs(n, path) {
		elem := reflect.New(v.Type().Elem()).Elem()
		fp := joinPath(path, p.key)
		errs := len(w.errs)
		w.value(p.value, elem, fp)
		if len(w.errs) == errs {
			v.SetMapIndex(reflect.ValueOf(p.key).Convert(v.Type().Key()), elem)
		}
	}
}

func (w *walker) sliceValue(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		w.errorf(path, n, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		w.value(e, s.Index(i), indexPath(path, i))
	}
	v.Set(s)
}
