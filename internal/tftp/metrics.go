package tftp

import "github.com/prometheus/client_golang/prometheus"

// metrics are the server's Prometheus series.
type metrics struct {
	transfers *prometheus.CounterVec // by result
	bytes     prometheus.Counter
	active    prometheus.Gauge
	dropped   prometheus.Counter
}

// Transfer results (the label values of slipway_tftp_transfers_total).
var results = []string{"ok", "failed", "refused", "denied", "not_found", "bad_request"}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_tftp_transfers_total",
			Help: "TFTP requests by result: ok, failed (aborted mid-transfer), refused (over the cap), denied (write or path outside the root), not_found, bad_request.",
		}, []string{"result"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slipway_tftp_bytes_total", Help: "Bytes sent by TFTP transfers.",
		}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slipway_tftp_active_transfers", Help: "TFTP transfers in progress.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slipway_tftp_dropped_total", Help: "Packets to the TFTP port that were not requests (dropped unanswered).",
		}),
	}
	for _, c := range []prometheus.Collector{m.transfers, m.bytes, m.active, m.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, r := range results {
		m.transfers.WithLabelValues(r)
	}
	return m, nil
}
