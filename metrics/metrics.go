// Package metrics exposes Vigie's Prometheus metrics on a registry of its
// own (never the global one): HTTP requests by route and status, webhook
// attempts by outcome and their latency, jobs by outcome, and the job queue
// by state.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	webhooks *prometheus.HistogramVec
	jobs     *prometheus.CounterVec
}

// JobCounter reports the number of jobs per state.
type JobCounter interface {
	JobCounts(ctx context.Context) (map[string]int, error)
}

// New registers Vigie's collectors, and Go's and the process's, on a new registry.
func New(jobs JobCounter) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigie_http_request_duration_seconds", Help: "HTTP requests by route pattern and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "code"})
	m.webhooks = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigie_webhook_attempt_duration_seconds", Help: "Webhook delivery attempts by event type and outcome.",
		Buckets: prometheus.DefBuckets,
	}, []string{"type", "outcome"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigie_jobs_total", Help: "Background jobs run, by kind and result.",
	}, []string{"kind", "result"})
	queue := prometheus.NewDesc("vigie_jobs_queued", "Jobs in the durable queue by state.", []string{"state"}, nil)
	m.reg.MustRegister(m.requests, m.webhooks, m.jobs, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectorFunc{desc: queue, collect: func(ch chan<- prometheus.Metric) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			counts, err := jobs.JobCounts(ctx)
			if err != nil {
				return
			}
			for _, s := range []string{"ready", "running", "dead"} {
				ch <- prometheus.MustNewConstMetric(queue, prometheus.GaugeValue, float64(counts[s]), s)
			}
		}})
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

// Webhook records a delivery attempt.
func (m *Metrics) Webhook(typ, outcome string, latency time.Duration) {
	m.webhooks.WithLabelValues(typ, outcome).Observe(latency.Seconds())
}

// Job records a finished job.
func (m *Metrics) Job(kind string, err error, _ time.Duration) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobs.WithLabelValues(kind, result).Inc()
}

// Middleware times requests by their route pattern (never the raw path,
// which would let clients create unbounded label values).
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int)        { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
