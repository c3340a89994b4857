package alert

import "time"

// The delivery channels of an alert.
const (
	ChannelWebhook = "webhook" // platforms, signed (Standard Webhooks)
	ChannelWebPush = "webpush" // people's browsers (RFC 8030/8291)
	ChannelWebSub  = "websub"  // feed subscribers (W3C WebSub)
	ChannelSSE     = "sse"     // live dashboards (Server-Sent Events)
)

// ChannelStats summarises one channel's deliveries of one alert.
type ChannelStats struct {
	Channel   string `json:"channel" enum:"webhook,webpush,websub,sse"`
	Targets   int    `json:"targets" doc:"Recipients chosen for the alert."`
	Sent      int    `json:"sent" doc:"Attempts made at least once."`
	Delivered int    `json:"delivered" doc:"Accepted by the recipient (2xx)."`
	Failed    int    `json:"failed" doc:"Given up: gone, refused, or out of retries."`
	Pending   int    `json:"pending"`
	// Times from publication to delivery, over the delivered ones.
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Curve is the cumulative number delivered against the time since
	// publication, for the chart; at most a few hundred points.
	Curve []CurvePoint `json:"curve"`
}

// CurvePoint is one point of a delivery curve.
type CurvePoint struct {
	After     time.Duration `json:"after_ns"`
	Delivered int           `json:"delivered"`
}

// DeliveryReport is the authority's view of where an alert went and when:
// the hops of its timeline (created, approved, published, queued, …) and
// each channel's deliveries.
type DeliveryReport struct {
	AlertID     string         `json:"alert_id"`
	PublishedAt *time.Time     `json:"published_at,omitempty"`
	Hops        []Hop          `json:"hops"`
	Channels    []ChannelStats `json:"channels"`
}
