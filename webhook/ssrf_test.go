package webhook_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/webhook"
)

func TestNewHTTPClientRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	resp, err := webhook.NewHTTPClient(5*time.Second, false).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("guarded client connected to the loopback test server")
	}
	if !errors.Is(err, webhook.ErrNonPublicAddress) || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("err = %v, want ErrNonPublicAddress naming 127.0.0.1", err)
	}

	resp, err = webhook.NewHTTPClient(5*time.Second, true).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowPrivate client: %v", err)
	}
	resp.Body.Close()
}

func TestNewHTTPClientDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" {
			http.Redirect(w, r, "/b", http.StatusTemporaryRedirect)
		}
	}))
	defer srv.Close()
	resp, err := webhook.NewHTTPClient(5*time.Second, true).Get(srv.URL + "/a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("status = %d, want the unfollowed 307", resp.StatusCode)
	}
}

func TestIsPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34":         true,
		"1.1.1.1":               true,
		"2606:4700:4700::1111":  true,
		"2a00:1450:4007:80e::e": true,
		"127.0.0.1":             false,
		"127.1.2.3":             false,
		"10.0.0.1":              false,
		"172.16.0.1":            false,
		"172.31.255.255":        false,
		"192.168.1.1":           false,
		"169.254.169.254":       false,
		"100.64.0.1":            false,
		"100.127.255.255":       false,
		"0.0.0.0":               false,
		"0.1.2.3":               false,
		"224.0.0.1":             false,
		"255.255.255.255":       false,
		"240.0.0.1":             false,
		"192.0.2.1":             false,
		"198.18.0.1":            false,
		"::":                    false,
		"::1":                   false,
		"::ffff:127.0.0.1":      false,
		"::ffff:10.0.0.1":       false,
		"::ffff:93.184.216.34":  true,
		"fc00::1":               false,
		"fd12:3456::1":          false,
		"fe80::1":               false,
		"fe80::1%eth0":          false,
		"ff02::1":               false,
		"64:ff9b::a00:1":        false,
		"2001:db8::1":           false,
		"2002:a00:1::1":         false,
		"fec0::1":               false,
		"not an address":        false,
	} {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			a = netip.Addr{}
		}
		if got := webhook.IsPublic(a); got != want {
			t.Errorf("isPublic(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url          string
		allowPrivate bool
		ok           bool
		errText      string
	}{
		{"https://platform.example/hooks/vigie", false, true, ""},
		{"https://platform.example:8443/hooks?x=1", false, true, ""},
		{"HTTPS://platform.example/", false, true, ""},
		{"https://93.184.216.34/hook", false, true, ""},
		{"https://[2606:4700:4700::1111]/hook", false, true, ""},
		{"http://platform.example/hook", false, false, "https"},
		{"http://platform.example/hook", true, true, ""},
		{"ftp://platform.example/hook", true, false, "scheme"},
		{"https://user:pass@platform.example/hook", false, false, "userinfo"},
		{"https://user@platform.example/hook", true, false, "userinfo"},
		{"https://10.0.0.1/hook", false, false, "not a public IP"},
		{"https://169.254.169.254/latest/meta-data", false, false, "not a public IP"},
		{"https://[::1]/hook", false, false, "not a public IP"},
		{"https://[::ffff:127.0.0.1]/hook", false, false, "not a public IP"},
		{"https://100.64.0.1/hook", false, false, "not a public IP"},
		{"https://127.0.0.1/hook", false, false, "not a public IP"},
		{"https://localhost/hook", false, false, "loopback"},
		{"https://api.localhost./hook", false, false, "loopback"},
		{"http://127.0.0.1:8080/hook", true, true, ""},
		{"https:///hook", false, false, "host"},
		{"https://:443/hook", false, false, "host"},
		{"https:opaque", false, false, "form"},
		{"/relative/path", false, false, "absolute"},
		{"not a url", false, false, "absolute"},
		{"", false, false, "absolute"},
		{"https://plat form.example/", false, false, "not a valid URL"},
		{"://missing-scheme", false, false, "not a valid URL"},
	}
	for _, tt := range tests {
		err := webhook.CheckURL(tt.url, tt.allowPrivate)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q, %v) = %v, want ok=%v", tt.url, tt.allowPrivate, err, tt.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.errText) {
			t.Errorf("CheckURL(%q, %v) = %q, want it to mention %q", tt.url, tt.allowPrivate, err, tt.errText)
		}
	}
	if err := webhook.CheckURL("https://10.1.2.3/", false); !errors.Is(err, webhook.ErrNonPublicAddress) {
		t.Errorf("CheckURL(private IP) = %v, want ErrNonPublicAddress", err)
	}
}
