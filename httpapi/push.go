package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	vigie "github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/fanout"
	"github.com/vigie-project/vigie/geo"
	"github.com/vigie-project/vigie/org"
	"github.com/vigie-project/vigie/push"
)

// People is the public's subscriptions to alerts by area.
type People interface {
	Subscribe(ctx context.Context, r push.Request) (*push.Subscription, string, error)
	Unsubscribe(ctx context.Context, id uint32, token string) error
}

// Public is what the public endpoints need: subscriptions, the VAPID key
// browsers subscribe with, and the live streams.
type Public struct {
	People         People
	VAPIDPublicKey string // base64url uncompressed P-256 point
	Live           *fanout.Live
}

type vapidOutput struct {
	Body struct {
		PublicKey string `json:"public_key" doc:"The applicationServerKey for PushManager.subscribe."`
	}
}

type subscribeOutput struct {
	Status int
	Body   struct {
		ID    uint32 `json:"id"`
		Token string `json:"token" doc:"Keep it: it is needed to unsubscribe, and never shown again."`
	}
}

type unsubscribeInput struct {
	ID   uint32 `path:"id"`
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"100"`
	}
}

// publicRoutes registers the public subscription endpoints (no API key:
// anyone may subscribe a browser) and the live stream.
func (a *API) publicRoutes(mux *http.ServeMux) {
	if a.Public == nil {
		return
	}
	pub := a.Public
	op := func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"Public alerts"},
			DefaultStatus: status, MaxBodyBytes: 16 << 10}
	}
	register(a, op("push-vapid", http.MethodGet, "/v1/push/vapid", "The key browsers subscribe to Web Push with", 200),
		func(context.Context, *struct{}) (*vapidOutput, error) {
			out := &vapidOutput{}
			out.Body.PublicKey = pub.VAPIDPublicKey
			return out, nil
		})
	register(a, op("push-subscribe", http.MethodPost, "/v1/push/subscriptions", "Subscribe a browser to the alerts of some map cells", 201),
		func(ctx context.Context, in *struct{ Body push.Request }) (*subscribeOutput, error) {
			s, token, err := pub.People.Subscribe(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			out := &subscribeOutput{Status: http.StatusCreated}
			out.Body.ID, out.Body.Token = s.ID, token
			return out, nil
		})
	register(a, op("push-unsubscribe", http.MethodDelete, "/v1/push/subscriptions/{id}", "Unsubscribe, with the token given at subscription", 204),
		func(ctx context.Context, in *unsubscribeInput) (*struct{}, error) {
			return nil, pub.People.Unsubscribe(ctx, in.ID, in.Body.Token)
		})
	// The public page calls them at /push/…, beside the service worker;
	// they are the same operations as /api/v1/push/….
	mux.HandleFunc("/push/", func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/api/v1" + r.URL.Path
		r2.URL.RawPath = ""
		mux.ServeHTTP(w, r2)
	})
	if pub.Live != nil {
		mux.HandleFunc("GET /alerts/live", a.live)
	}
}

// live streams the alerts of some cells as Server-Sent Events: ?cells=
// comma-separated geohash cells (none: every alert), &lang=.
func (a *API) live(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var cells []string
	if c := q.Get("cells"); c != "" {
		cells = strings.Split(strings.ToLower(c), ",")
		if len(cells) > push.MaxCells {
			http.Error(w, fmt.Sprintf("at most %d cells", push.MaxCells), http.StatusBadRequest)
			return
		}
	}
	lang := q.Get("lang")
	if lang == "" {
		lang = "en"
	}
	rc := http.NewResponseController(w) // reaches the Flusher under the middleware's wrappers
	msgs, stop := a.Public.Live.Subscribe(cells, lang)
	defer stop()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 5000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	// The server's write timeout would cut the stream: this handler keeps
	// its own deadline, extended at every message and heartbeat.
	tick := time.NewTicker(25 * time.Second)
	defer tick.Stop()
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case m := <-msgs:
			if _, err := fmt.Fprintf(w, "event: alert\ndata: %s\n\n", m); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// ServiceAreas keeps the areas platforms serve.
type ServiceAreas interface {
	SetServiceArea(ctx context.Context, orgID string, cells []string) error
	ServiceAreas(ctx context.Context) (map[string][]string, error)
}

type serviceAreaBody struct {
	Cells []string `json:"cells" maxItems:"5000" doc:"Geohash cells (precision 1 to 6) of the area served; empty: everywhere."`
}

type serviceAreaOutput struct {
	Body serviceAreaBody
}

func (a *API) serviceAreaRoutes() {
	if a.ServiceAreas == nil {
		return
	}
	op := func(id, method, summary string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: "/v1/alerts/service-area", Summary: summary, Tags: []string{"Alerts"},
			MaxBodyBytes: MaxBody, Security: []map[string][]string{{"apiKey": {}}}}
	}
	register(a, op("get-service-area", http.MethodGet, "The area your platform serves: you receive the alerts that touch it (platforms)"),
		func(ctx context.Context, _ *struct{}) (*serviceAreaOutput, error) {
			p, err := caller(ctx)
			if err != nil {
				return nil, err
			}
			all, err := a.ServiceAreas.ServiceAreas(ctx)
			if err != nil {
				return nil, err
			}
			out := &serviceAreaOutput{}
			out.Body.Cells = all[p.OrgID]
			if out.Body.Cells == nil {
				out.Body.Cells = []string{}
			}
			return out, nil
		})
	register(a, op("set-service-area", http.MethodPut, "Declare the area your platform serves (platforms)"),
		func(ctx context.Context, in *struct{ Body serviceAreaBody }) (*serviceAreaOutput, error) {
			p, err := caller(ctx)
			if err != nil {
				return nil, err
			}
			if p.Kind != org.KindPlatform {
				return nil, vigie.Errorf(vigie.EForbidden, "only platforms declare a service area")
			}
			cells := make([]string, 0, len(in.Body.Cells))
			for i, c := range in.Body.Cells {
				c = strings.ToLower(strings.TrimSpace(c))
				if _, err := geo.ParseCell(c); err != nil || len(c) > push.MaxPrecision {
					return nil, vigie.Invalid(fmt.Sprintf("body.cells[%d]", i), "must be a geohash cell of 1 to %d characters", push.MaxPrecision)
				}
				cells = append(cells, c)
			}
			if err := a.ServiceAreas.SetServiceArea(ctx, p.OrgID, cells); err != nil {
				return nil, err
			}
			out := &serviceAreaOutput{}
			out.Body.Cells = cells
			return out, nil
		})
}
