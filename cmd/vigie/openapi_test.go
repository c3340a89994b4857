package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// TestOpenAPIDocumentAndTraffic checks the served OpenAPI 3.1 document with
// an independent validator (kin-openapi), then checks real requests and
// responses, errors included, against it.
func TestOpenAPIDocumentAndTraffic(t *testing.T) {
	s := startServer(t, 1)
	resp, err := http.Get(s.url + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: s.url + "/api"}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	auth := openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	exchange := func(key, method, path string, body any, wantStatus int) []byte {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+s.keys[key])
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: not in the document: %v", method, path, err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &auth}
		if wantStatus < 400 {
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Fatalf("%s %s: request does not match the document: %v", method, path, err)
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, out, wantStatus)
		}
		err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(out)), Options: &auth})
		if err != nil {
			t.Fatalf("%s %s: response does not match the document: %v", method, path, err)
		}
		return out
	}
	var r struct{ ID string }
	json.Unmarshal(exchange("auth", "POST", "/api/v1/referrals", s.order("OA-1"), 201), &r)
	exchange("auth", "GET", "/api/v1/referrals?state=open", nil, 200)
	exchange("plat-a", "GET", "/api/v1/referrals/"+r.ID, nil, 200)
	exchange("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/acknowledge", nil, 200)
	exchange("plat-a", "POST", "/api/v1/referrals/"+r.ID+"/action", map[string]any{"action": "disabled", "content_hashes": []string{"md5:" + strings.Repeat("0", 32)}}, 200)
	exchange("auth", "GET", "/api/v1/referrals/"+r.ID+"/history", nil, 200)
	exchange("auth", "GET", "/api/v1/referrals/"+r.ID+"/preservation", nil, 200)
	exchange("auth", "GET", "/api/v1/stats/referrals", nil, 200)
	exchange("plat-a", "GET", "/api/v1/statements", nil, 200)
	exchange("plat-a", "GET", "/api/v1/webhook", nil, 200)
	exchange("plat-a", "GET", "/api/v1/webhook/deliveries", nil, 200)
	exchange("auth", "GET", "/api/v1/orgs", nil, 200)
	exchange("plat-a", "GET", "/api/v1/audit/chain?after=0&limit=10", nil, 200)
	// Errors are documented problem+json too.
	bad := s.order("OA-2")
	bad["urls"] = []string{"not a url"}
	exchange("auth", "POST", "/api/v1/referrals", bad, 422)
	exchange("plat-b", "GET", "/api/v1/referrals/"+r.ID, nil, 404)
}
