package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// scrapeTimeout bounds the store query behind one scrape.
const scrapeTimeout = 3 * time.Second

// metrics are the server's Prometheus metrics and the registry serving them.
type metrics struct {
	reg      Registry
	log      *slog.Logger
	requests *prometheus.HistogramVec
}

func newMetrics(reg Registry, db *store.DB, log *slog.Logger) (*metrics, error) {
	m := &metrics{
		reg: reg,
		log: log,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "slipway_http_request_duration_seconds",
			Help:    "Duration of API requests by method, route pattern and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "code"}),
	}
	if err := reg.Register(m.requests); err != nil {
		return nil, fmt.Errorf("register request metrics: %w", err)
	}
	mc := &machinesCollector{db: db, desc: prometheus.NewDesc("slipway_machines", "Machines by lifecycle state.", []string{"state"}, nil)}
	if err := reg.Register(mc); err != nil {
		return nil, fmt.Errorf("register machine metrics: %w", err)
	}
	// The process-wide collectors may already be registered by the caller.
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		var are prometheus.AlreadyRegisteredError
		if err := reg.Register(c); err != nil && !errors.As(err, &are) {
			return nil, fmt.Errorf("register runtime metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// machinesCollector reports slipway_machines{state} from the store at
// each scrape, every state included (zeros too).
type machinesCollector struct {
	db   *store.DB
	desc *prometheus.Desc
}

func (mc *machinesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- mc.desc }

func (mc *machinesCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	var counts map[string]int
	err := mc.db.View(ctx, func(tx *store.Tx) error {
		var err error
		counts, err = tx.CountMachinesByState()
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(mc.desc, fmt.Errorf("count machines: %w", err))
		return
	}
	for _, st := range machine.States {
		ch <- prometheus.MustNewConstMetric(mc.desc, prometheus.GaugeValue, float64(counts[string(st)]), string(st))
	}
	for st, n := range counts { // states the table does not know (never expected)
		if !machine.State(st).Valid() {
			ch <- prometheus.MustNewConstMetric(mc.desc, prometheus.GaugeValue, float64(n), st)
		}
	}
}
