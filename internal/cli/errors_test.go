package cli

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/inventory"
)

func TestPrintError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom"), "error: boom\n"},
		{"multi-line", errors.New("invalid configuration:\nstore.dsn: required"),
			"error: invalid configuration:\nerror: store.dsn: required\n"},
		{"api field", &api.Error{Status: 409, Message: "revision 3, expected 2", Field: "Machine r1-u07"},
			"error: Machine r1-u07: revision 3, expected 2\n"},
		{"api inventory", &api.Error{Status: 422, Message: "unknown field", Errors: []inventory.FieldError{
			{File: "site/a.yaml", Kind: "Machine", Name: "r1-u07", Field: "spec.bmc.adress", Line: 9, Message: "unknown field"},
			{File: "site/a.yaml", Kind: "Machine", Name: "r1-u07", Field: "spec.mac", Message: `"zz" is not a MAC address`},
		}}, "error: site/a.yaml: Machine r1-u07: spec.bmc.adress: unknown field (line 9)\n" +
			"error: site/a.yaml: Machine r1-u07: spec.mac: \"zz\" is not a MAC address\n"},
		{"silent exit", &exitError{code: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printError(&b, tt.err)
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestExitCode(t *testing.T) {
	assert.Equal(t, 0, ExitCode(nil))
	assert.Equal(t, 1, ExitCode(errors.New("x")))
	assert.Equal(t, 3, ExitCode(&exitError{code: 3}))
}

// fakeAPI answers plan with one change and apply with a conflict, as the
// appliance does when someone else changed the object in between.
func fakeAPI(t *testing.T) (*testAppliance, *[]api.ApplyRequest) {
	t.Helper()
	var applies []api.ApplyRequest
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/inventory/plan", func(w http.ResponseWriter, r *http.Request) {
		_ = writeJSON(w, api.PlanResponse{Plan: inventory.Plan{Changes: []inventory.Change{{
			Action: "update", Kind: inventory.KindMachine, Name: "r1-u07", Revision: 2,
			Diff: "--- live/Machine/r1-u07\n+++ declared/Machine/r1-u07\n@@ -1 +1 @@\n-a\n+b\n",
		}}}})
	})
	mux.HandleFunc("POST /api/v1/inventory/apply", func(w http.ResponseWriter, r *http.Request) {
		var req api.ApplyRequest
		_ = decodeBody(r, &req)
		applies = append(applies, req)
		w.WriteHeader(http.StatusConflict)
		_ = writeJSON(w, api.Error{Message: "changed since the plan was made (revision 2, now 3); review the new plan and apply again",
			Field: "Machine r1-u07"})
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	ta := &testAppliance{home: home}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	require.NoError(t, api.SaveClientConfig(ta.clientConfig(), api.ClientConfig{Server: srv.URL, Token: "slw_a_b", CAData: string(caPEM)}))
	return ta, &applies
}

func TestApplyConflict(t *testing.T) {
	ta, applies := fakeAPI(t)
	r := ta.run(t, "", "apply", "-f", site)
	assert.Equal(t, 1, r.code())
	assert.Contains(t, r.stdout, "+++ declared/Machine/r1-u07\n")
	assert.Contains(t, r.stdout, "Plan: 0 to create, 1 to update, 0 to delete.\n")
	assert.Equal(t, "error: apply refused, nothing was changed: Machine r1-u07: changed since the plan was made "+
		"(revision 2, now 3); review the new plan and apply again\n", r.stderr)
	require.Len(t, *applies, 1)
	assert.Equal(t, []inventory.Expectation{{Kind: inventory.KindMachine, Name: "r1-u07", Revision: 2}}, (*applies)[0].Expect)
	assert.NotEmpty(t, (*applies)[0].Files)
}

func TestApplyDryRunDoesNotApply(t *testing.T) {
	ta, applies := fakeAPI(t)
	r := ta.run(t, "", "apply", "-f", site, "--dry-run")
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.stdout, "Dry run: nothing was applied.\n")
	assert.Empty(t, *applies)
}

func decodeBody(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}
