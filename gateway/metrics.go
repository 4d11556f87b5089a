package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the gateway's Prometheus series, on their own registry so
// that several gateways may run in one process.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec   // endpoint, status code
	latency   *prometheus.HistogramVec // endpoint
	ttft      prometheus.Histogram
	tokens    *prometheus.CounterVec // kind: prompt, completion
	failovers prometheus.Counter
	miner     *prometheus.CounterVec // miner hotkey, outcome
	verified  *prometheus.CounterVec // verdict: verified, refused, error, skipped
	refusals  *prometheus.CounterVec // reason: what the gateway refused users for
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_requests_total", Help: "API requests by endpoint and HTTP status."}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gateway_request_seconds", Help: "Time to serve an API request, by endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"endpoint"}),
		ttft: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gateway_time_to_first_token_seconds", Help: "Time from a request to its first token.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		tokens:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_tokens_total", Help: "Tokens served, by kind."}, []string{"kind"}),
		failovers: prometheus.NewCounter(prometheus.CounterOpts{Name: "gateway_failovers_total", Help: "Requests moved to another miner after one failed before the first byte."}),
		miner:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_miner_requests_total", Help: "Requests sent to miners, by miner hotkey and outcome."}, []string{"miner", "outcome"}),
		verified:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_verifications_total", Help: "Organic answers sent to the verifier, by verdict."}, []string{"verdict"}),
		refusals:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_refusals_total", Help: "Requests refused before any miner was asked, by reason."}, []string{"reason"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.ttft, m.tokens, m.failovers, m.miner, m.verified, m.refusals)
	return m
}
