package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	timeRE = regexp.MustCompile(`"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"`)
	opIDRE = regexp.MustCompile(`op_[a-z2-7]{16}`)
)

// normalize makes a response body stable: times and random IDs replaced,
// indented.
func normalize(t *testing.T, body []byte) []byte {
	t.Helper()
	body = timeRE.ReplaceAll(body, []byte(`"<time>"`))
	body = opIDRE.ReplaceAll(body, []byte(`op_<id>`))
	var out bytes.Buffer
	require.NoError(t, json.Indent(&out, body, "", "  "), "body: %s", body)
	out.WriteByte('\n')
	return out.Bytes()
}

func golden(t *testing.T, name string, r response, status int) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	got := normalize(t, r.body)
	path := filepath.Join("testdata", name+".json")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	require.Equal(t, string(want), string(got), "%s differs (go test -run %s -update rewrites it)", path, t.Name())
}

func TestGoldenResponses(t *testing.T) {
	h := newHarness(t)
	h.addMachines(rackMachines()...)
	h.do(http.MethodPost, "/api/v1/credentials", auth.Admin, api.CredentialsRequest{Name: "r1-bmc", Username: "root", Password: "calvin"})
	_, ref := h.action("r1-u01", "inspect", nil)
	bad := `{"files":[{"name":"site/bad.yaml","content":"apiVersion: slipway.dev/v1alpha1\nkind: Machine\nmetadata: {name: r1-u09}\nspec: {mac: nope, colour: red}\n"}]}`

	cases := []struct {
		name, method, path, role string
		body                     any
		status                   int
	}{
		{"version", "GET", "/api/v1/version", auth.Viewer, nil, 200},
		{"whoami", "GET", "/api/v1/whoami", auth.Operator, nil, 200},
		{"machines", "GET", "/api/v1/machines", auth.Viewer, nil, 200},
		{"machines-page", "GET", "/api/v1/machines?limit=1&label=role=worker", auth.Viewer, nil, 200},
		{"machine-detail", "GET", "/api/v1/machines/r1-u01", auth.Viewer, nil, 200},
		{"operation", "GET", "/api/v1/operations/" + ref.ID, auth.Viewer, nil, 200},
		{"credentials", "GET", "/api/v1/credentials", auth.Viewer, nil, 200},
		{"events", "GET", "/api/v1/events?after=0&limit=3", auth.Viewer, nil, 200},
		{"error-unauthorized", "GET", "/api/v1/machines", "", nil, 401},
		{"error-forbidden", "GET", "/api/v1/audit", auth.Operator, nil, 403},
		{"error-unknown-field", "POST", "/api/v1/tokens", auth.Admin, `{"name":"x","role":"viewer","scope":"all"}`, 400},
		{"error-invalid-inventory", "POST", "/api/v1/inventory/plan", auth.Operator, bad, 422},
		{"error-transition", "POST", "/api/v1/machines/r1-u02/actions", auth.Operator, api.ActionRequest{Action: "reset"}, 409},
		{"error-not-found", "GET", "/api/v1/machines/r9-u99", auth.Viewer, nil, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, c.name, h.do(c.method, c.path, c.role, c.body), c.status)
		})
	}
}
