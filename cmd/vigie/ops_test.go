package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestWebhookEndpointsMustBePublic(t *testing.T) {
	s := startServerWith(t, func(c *serveConfig) { c.allowPrivate = false })
	for _, url := range []string{"http://127.0.0.1:9/hook", "https://10.0.0.7/hook", "https://169.254.169.254/latest", "https://[::1]/x", "http://platform.example/hook"} {
		var p problemBody
		if code := s.call("plat-a", "PUT", "/api/v1/webhook", map[string]string{"url": url}, &p); code != 422 || len(p.Errors) == 0 || p.Errors[0].Location != "body.url" {
			t.Errorf("%s: %d %+v, want 422 naming body.url", url, code, p)
		}
	}
	var ok struct{ URL string }
	if code := s.call("plat-a", "PUT", "/api/v1/webhook", map[string]string{"url": "https://hooks.platform.example/vigie"}, &ok); code != 200 {
		t.Fatalf("a public https endpoint: %d", code)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	s := startServer(t, 1)
	s.call("auth", "GET", "/api/v1/referrals", nil, nil)
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": `vigie_http_request_duration_seconds_count{code="200",route="GET /api/v1/referrals"}`,
	} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	resp, _ := http.Get(s.url + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `vigie_jobs_queued{state="ready"}`) {
		t.Error("/metrics lacks the job queue gauge")
	}
}
