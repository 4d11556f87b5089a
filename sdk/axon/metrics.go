package axon

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// routeLabel values for requests that reach no route of the miner's.
const (
	labelHandshake = "handshake"
	labelUnknown   = "unknown" // bounds the label's values: clients choose paths
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	running  prometheus.Gauge
	queued   prometheus.Gauge
	// connsClosed counts connections the axon refused or ended, by reason.
	connsClosed *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, sessions, replayKeys func() int, preAuthBytes func() int64,
	conns func() (staked, unstaked int)) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "requests_total",
			Help: "Requests answered, by route and HTTP status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "in_flight",
			Help: "Handlers running.",
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "queue_depth",
			Help: "Requests waiting for a handler.",
		}),
		connsClosed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "connections_closed_total",
			Help: "Connections refused or ended by the axon's limits, by reason.",
		}, []string{"reason"}),
	}
	connGauge := func(class string, pick func(staked, unstaked int) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "connections",
			Help:        "Open connections: staked ones carried a staked caller's authenticated request.",
			ConstLabels: prometheus.Labels{"class": class},
		}, func() float64 { return float64(pick(conns())) })
	}
	collectors := []prometheus.Collector{m.requests, m.latency, m.running, m.queued, m.connsClosed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "preauth_bytes",
			Help: "Body bytes held for requests whose MAC is not yet verified.",
		}, func() float64 { return float64(preAuthBytes()) }),
		connGauge("staked", func(s, _ int) int { return s }),
		connGauge("unstaked", func(_, u int) int { return u }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "sessions",
			Help: "Live dendrite sessions.",
		}, func() float64 { return float64(sessions()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "gotensor", Subsystem: "axon", Name: "replay_keys",
			Help: "(caller, uuid) pairs whose recent nonces are remembered.",
		}, func() float64 { return float64(replayKeys()) }),
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observe(route string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

func (m *metrics) admission(running, waiting int) {
	m.running.Set(float64(running))
	m.queued.Set(float64(waiting))
}
