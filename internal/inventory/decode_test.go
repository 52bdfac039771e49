package inventory

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const machineDoc = `apiVersion: slipway.dev/v1alpha1
kind: Machine
metadata:
  name: r1-u07
  labels: {rack: r1, role: worker}
spec:
  mac: "52:54:00:77:00:10"
  bmc:
    address: ipmi://10.0.0.7:623
    credentialsRef: r1-bmc
  hardware:
    cpus: 32
    memoryGiB: 256
    disks: [{sizeGiB: 960, type: ssd}, {sizeGiB: 4000, type: hdd, count: 2}]
  image: edge-os-1.4
  cluster: edge-1
`

func TestDecodeMachine(t *testing.T) {
	objs, err := Decode("site/rack1.yaml", []byte("# rack 1\n---\n"+machineDoc+"---\n"))
	require.NoError(t, err)
	require.Len(t, objs, 1)
	want := Object{
		APIVersion: APIVersion,
		Kind:       KindMachine,
		Metadata:   Metadata{Name: "r1-u07", Labels: map[string]string{"rack": "r1", "role": "worker"}},
		Spec: &MachineSpec{
			MAC: "52:54:00:77:00:10",
			BMC: &BMC{Address: "ipmi://10.0.0.7:623", CredentialsRef: "r1-bmc"},
			Hardware: &Hardware{CPUs: 32, MemoryGiB: 256, Disks: []Disk{
				{SizeGiB: 960, Type: "ssd"}, {SizeGiB: 4000, Type: "hdd", Count: 2}}},
			Image:   "edge-os-1.4",
			Cluster: "edge-1",
		},
		Source: Source{File: "site/rack1.yaml", Line: 3},
	}
	if d := cmp.Diff(want, objs[0], cmpopts.IgnoreFields(Source{}, "Fields")); d != "" {
		t.Errorf("decoded object (-want +got):\n%s", d)
	}
	assert.Equal(t, 11, objs[0].Source.Fields["spec.bmc.address"])
	assert.Equal(t, 16, objs[0].Source.Fields["spec.hardware.disks[1].type"])
	assert.Equal(t, 16, objs[0].Source.lineOf("spec.hardware.disks[1].type.nothing"))
}

func TestDecodeEmpty(t *testing.T) {
	for _, in := range []string{"", "# nothing\n", "---\n---\n", "--- ~\n", "---\n# c\n---\nnull\n"} {
		objs, err := Decode("empty.yaml", []byte(in))
		require.NoError(t, err, "%q", in)
		assert.Empty(t, objs, "%q", in)
	}
}

// doc builds a Machine document with extra lines in its spec.
func doc(specLines ...string) string {
	return "apiVersion: slipway.dev/v1alpha1\nkind: Machine\nmetadata:\n  name: r1-u07\nspec:\n  mac: 52:54:00:77:00:10\n" +
		strings.Join(specLines, "\n") + "\n"
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "unknown nested field", in: doc("  bmc:", "    adress: ipmi://x", "    credentialsRef: r1"),
			want: []string{"site/rack1.yaml: Machine r1-u07: spec.bmc.adress: unknown field (line 8)"}},
		{name: "unknown spec field", in: doc("  macc: x"),
			want: []string{"site/rack1.yaml: Machine r1-u07: spec.macc: unknown field (line 7)"}},
		{name: "unknown top-level field", in: doc("status: {}"),
			want: []string{"site/rack1.yaml: Machine r1-u07: status: unknown field (line 7)"}},
		{name: "string for an integer", in: doc("  hardware:", "    cpus: many"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.hardware.cpus: want an integer, got "many" (line 8)`}},
		{name: "float for an integer", in: doc("  hardware:", "    memoryGiB: 1.5"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.hardware.memoryGiB: want an integer, got 1.5 (line 8)`}},
		{name: "huge integer", in: doc("  hardware:", "    cpus: 99999999999999999999"), // YAML resolves it as a float
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.hardware.cpus: want an integer, got 99999999999999999999 (line 8)`}},
		{name: "number for a string", in: doc("  image: 14"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.image: want a string, got 14 (quote it: "14") (line 7)`}},
		{name: "list for a string", in: doc("  image: [a]"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.image: want a string, got a list (line 7)`}},
		{name: "string for a bool", in: doc("  bmc:", "    address: ipmi://x", `    insecureSkipVerify: "yes"`),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.bmc.insecureSkipVerify: want true or false, got "yes" (line 9)`}},
		{name: "scalar for a struct", in: doc("  bmc: ipmi://x"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.bmc: want a mapping, got "ipmi://x" (line 7)`}},
		{name: "mapping for a list", in: doc("  hardware:", "    disks: {sizeGiB: 1}"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.hardware.disks: want a list, got a mapping (line 8)`}},
		{name: "list for the spec", in: "apiVersion: slipway.dev/v1alpha1\nkind: Image\nmetadata: {name: os}\nspec: [1, 2]\n",
			want: []string{`site/rack1.yaml: Image os: spec: want a mapping, got a list (line 4)`}},
		{name: "number label", in: "apiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: f\n  labels:\n    unit: 5\n",
			want: []string{`site/rack1.yaml: Fleet f: metadata.labels.unit: want a string, got 5 (quote it: "5") (line 6)`}},
		{name: "dotted label key in path", in: "apiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: f\n  labels:\n    slipway.dev/rack: [r1]\n",
			want: []string{`site/rack1.yaml: Fleet f: metadata.labels["slipway.dev/rack"]: want a string, got a list (line 6)`}},
		{name: "duplicate key", in: doc("  image: a", "  image: b"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.image: duplicate key (first at line 7) (line 8)`}},
		{name: "duplicate top-level key", in: doc("kind: Image"),
			want: []string{`site/rack1.yaml: Machine r1-u07: kind: duplicate key (first at line 2) (line 7)`}},
		{name: "alias", in: doc("  image: &img edge-os", "  cluster: *img"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.cluster: aliases (*img) are not supported (line 8)`}},
		{name: "missing apiVersion", in: "kind: Fleet\nmetadata: {name: f}\n",
			want: []string{`site/rack1.yaml: Fleet f: apiVersion: required (want slipway.dev/v1alpha1) (line 1)`}},
		{name: "wrong apiVersion", in: "apiVersion: v1\nkind: Fleet\nmetadata: {name: f}\n",
			want: []string{`site/rack1.yaml: Fleet f: apiVersion: unsupported apiVersion "v1" (want slipway.dev/v1alpha1) (line 1)`}},
		{name: "unknown kind", in: "apiVersion: slipway.dev/v1alpha1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
			want: []string{`site/rack1.yaml: p: kind: unknown kind "Pod" (want one of Network, Machine, Image, Cluster, Fleet, Credentials) (line 2)`}},
		{name: "missing kind", in: "apiVersion: slipway.dev/v1alpha1\nmetadata: {name: p}\n",
			want: []string{`site/rack1.yaml: p: kind: required (want one of Network, Machine, Image, Cluster, Fleet, Credentials) (line 1)`}},
		{name: "missing name", in: "apiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata:\n  labels: {a: b}\n",
			want: []string{`site/rack1.yaml: Fleet: metadata.name: required (line 4)`}},
		{name: "missing metadata", in: "apiVersion: slipway.dev/v1alpha1\nkind: Fleet\n",
			want: []string{`site/rack1.yaml: Fleet: metadata.name: required (line 1)`}},
		{name: "annotations", in: "apiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata:\n  name: f\n  annotations: {a: b}\n",
			want: []string{`site/rack1.yaml: Fleet f: metadata.annotations: not supported yet (the appliance keeps labels only) (line 5)`}},
		{name: "document is a list", in: "- a\n- b\n",
			want: []string{`site/rack1.yaml: a document must be a mapping with apiVersion, kind, metadata and spec; got a list (line 1)`}},
		{name: "document is a string", in: "hello\n",
			want: []string{`site/rack1.yaml: a document must be a mapping with apiVersion, kind, metadata and spec; got "hello" (line 1)`}},
		{name: "non-string key", in: doc("  ? [a]", "  : b"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec: mapping keys must be strings, got a list (line 7)`}},
		{name: "syntax error", in: "apiVersion: slipway.dev/v1alpha1\nkind: [Fleet\nmetadata: {}\n",
			// the parser reports the line before the open flow sequence
			want: []string{`site/rack1.yaml: invalid YAML: did not find expected ',' or ']' (line 1)`}},
		{name: "out of range integer", in: doc("  hardware:", "    cpus: 9999999999"),
			want: []string{`site/rack1.yaml: Machine r1-u07: spec.hardware.cpus: integer 9999999999 is out of range (line 8)`}},
		{name: "tab indentation", in: "apiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata:\n\tname: f\n",
			want: []string{`site/rack1.yaml: invalid YAML: found character that cannot start any token (line 4)`}},
		{name: "every error of every document",
			in: doc("  image: [a]", "  bogus: 1") + "---\n" + "apiVersion: v2\nkind: Fleet\nmetadata: {name: f}\n---\n- x\n",
			want: []string{
				`site/rack1.yaml: Machine r1-u07: spec.image: want a string, got a list (line 7)`,
				`site/rack1.yaml: Machine r1-u07: spec.bogus: unknown field (line 8)`,
				`site/rack1.yaml: Fleet f: apiVersion: unsupported apiVersion "v2" (want slipway.dev/v1alpha1) (line 10)`,
				`site/rack1.yaml: a document must be a mapping with apiVersion, kind, metadata and spec; got a list (line 14)`,
			}},
		{name: "errors before a syntax error are kept",
			in: doc("  bogus: 1") + "---\nkind: [\n",
			want: []string{
				`site/rack1.yaml: Machine r1-u07: spec.bogus: unknown field (line 7)`,
				`site/rack1.yaml: invalid YAML: did not find expected node content (line 9)`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode("site/rack1.yaml", []byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, objs)
			list, ok := AsErrorList(err)
			require.True(t, ok, "error is an ErrorList: %v", err)
			got := make([]string, len(list))
			for i, e := range list {
				got[i] = e.Error()
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	var b strings.Builder
	for i := range maxDocuments + 1 {
		fmt.Fprintf(&b, "---\napiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata: {name: f%d}\n", i)
	}
	_, err := Decode("big.yaml", []byte(b.String()))
	require.EqualError(t, err, "big.yaml: too many documents (limit 10000) (line 40001)")

	// A billion-laughs document is refused at the first alias, without expanding it.
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"apiVersion: slipway.dev/v1alpha1\nkind: Fleet\nmetadata: {name: f}\nspec: {clusters: *c}\n"
	_, err = Decode("bomb.yaml", []byte(bomb))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bomb.yaml: Fleet f: spec.clusters: aliases (*c) are not supported (line 7)")

	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	_, err = Decode("deep.yaml", []byte(deep))
	require.EqualError(t, err, "deep.yaml: invalid YAML: exceeded max depth of 10000")

	var many strings.Builder
	many.WriteString(doc())
	for i := range 2 * maxErrors {
		fmt.Fprintf(&many, "  bogus%d: 1\n", i)
	}
	_, err = Decode("many.yaml", []byte(many.String()))
	list, _ := AsErrorList(err)
	require.Len(t, list, maxErrors+1)
	assert.Equal(t, "many.yaml: too many errors; stopped here", list[maxErrors].Error())
}

func TestDecodeFilesCollectsEveryFile(t *testing.T) {
	_, err := DecodeFiles([]File{
		{Name: "a.yaml", Content: doc("  bogus: 1")},
		{Name: "b.yaml", Content: "kind: ["},
	})
	require.EqualError(t, err, "a.yaml: Machine r1-u07: spec.bogus: unknown field (line 7)\n"+
		"b.yaml: invalid YAML: did not find expected node content (line 1)")
}
