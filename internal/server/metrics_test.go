package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/machine"
)

func TestMetrics(t *testing.T) {
	h := newHarness(t)
	h.addMachines(rackMachines()...)
	h.do(http.MethodGet, "/api/v1/machines", auth.Viewer, nil)
	h.do(http.MethodGet, "/api/v1/machines/r1-u01", auth.Viewer, nil)
	h.do(http.MethodGet, "/api/v1/machines/nope", auth.Viewer, nil)
	h.do(http.MethodGet, "/random/path/1234", "", nil)

	r := h.do(http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	body := string(r.body)
	for _, want := range []string{
		`slipway_http_request_duration_seconds_bucket{code="200",method="GET",route="/api/v1/machines",le="0.05"}`,
		`slipway_http_request_duration_seconds_count{code="200",method="GET",route="/api/v1/machines/:name"} 1`,
		`slipway_http_request_duration_seconds_count{code="404",method="GET",route="/api/v1/machines/:name"} 1`,
		`slipway_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
		`slipway_machines{state="registered"} 2`,
		`slipway_machines{state="ready"} 1`,
		`slipway_machines{state="discovered"} 1`,
		`slipway_machines{state="active"} 0`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "/random/path", "raw paths never become labels")
	for _, st := range machine.States {
		assert.Contains(t, body, `slipway_machines{state="`+string(st)+`"}`)
	}
	assert.Equal(t, len(machine.States), strings.Count(body, "slipway_machines{"))
}

// TestMetricsOwnRegistry checks the server registers on the registry it is
// given (never the global default) and tolerates Go/process collectors the
// caller registered already.
func TestMetricsOwnRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(collectors.NewGoCollector()))
	h := newHarness(t, harnessOpts{deps: Deps{Metrics: reg}})
	h.do(http.MethodGet, "/healthz", "", nil)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	assert.True(t, names["slipway_http_request_duration_seconds"])
	assert.True(t, names["slipway_machines"])
	def, err := prometheus.DefaultGatherer.Gather()
	require.NoError(t, err)
	for _, mf := range def {
		assert.False(t, strings.HasPrefix(mf.GetName(), "slipway_"), mf.GetName())
	}
}
