package dhcp

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus collectors.
type metrics struct {
	dropped  *prometheus.CounterVec
	replies  *prometheus.CounterVec
	latency  prometheus.Histogram
	panics   prometheus.Counter
	batch    prometheus.Histogram
	commitFn prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_dhcp_dropped_total", Help: "DHCP packets dropped, by reason.",
		}, []string{"reason"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_dhcp_replies_total", Help: "DHCP replies sent, by message type.",
		}, []string{"type"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slipway_dhcp_handler_duration_seconds", Help: "Time to run one packet through the handler chain.",
			Buckets: prometheus.ExponentialBuckets(5e-6, 4, 10),
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slipway_dhcp_panics_total", Help: "Packets whose handling panicked (recovered).",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slipway_dhcp_commit_batch_size", Help: "Writes grouped into one lease commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		commitFn: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slipway_dhcp_commit_duration_seconds", Help: "Time to commit one batch of lease writes.",
			Buckets: prometheus.ExponentialBuckets(1e-4, 3, 10),
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.dropped, m.replies, m.latency, m.panics, m.batch, m.commitFn} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}
