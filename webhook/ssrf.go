package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrNonPublicAddress is wrapped by the error a client from [NewHTTPClient]
// returns when it refuses to connect to a non-public address, and by
// [CheckURL] for a non-public literal IP.
var ErrNonPublicAddress = errors.New("non-public address refused (SSRF guard)")

// nonPublic lists special-purpose ranges (IANA IPv4/IPv6 special-purpose
// registries) that net/netip's predicates don't already cover, or that embed
// an IPv4 address and could be translated into an internal one.
var nonPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // CGNAT shared address space (RFC 6598)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast (deprecated)
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
		"::/96",           // IPv4-compatible (deprecated), ::, ::1
		"64:ff9b::/96",    // NAT64
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, incl. Teredo
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4
		"3fff::/20",       // documentation
		"5f00::/16",       // SRv6 SIDs
		"fec0::/10",       // site-local (deprecated)
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// isPublic reports whether a is a globally routable unicast address that a
// webhook may be delivered to.
func isPublic(a netip.Addr) bool {
	a = a.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.Zone() != "" {
		// IsGlobalUnicast excludes loopback, link-local, multicast and
		// unspecified; IsPrivate is RFC 1918 and RFC 4193 (fc00::/7).
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// guardControl is a net.Dialer.Control hook. It runs after DNS resolution,
// on the exact address about to be connected, so it can't be bypassed by a
// hostname that resolves (or re-resolves) to an internal address.
func guardControl(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("webhook: %w: unparsable address %q", ErrNonPublicAddress, address)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !isPublic(a) {
		return fmt.Errorf("webhook: %w: %s", ErrNonPublicAddress, host)
	}
	return nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewHTTPClient returns a client for webhook delivery with the given overall
// request timeout (Standard Webhooks suggests 15–30 s). Unless allowPrivate is
// true (demo mode, tests delivering to 127.0.0.1), its dialer refuses
// loopback, private (RFC 1918, RFC 4193), link-local, unspecified, multicast,
// CGNAT (100.64.0.0/10) and other special-purpose addresses, checked on the
// resolved IP at connect time; the error wraps [ErrNonPublicAddress].
//
// The client never follows redirects (the 3xx response is returned, and
// [Sender.Send] reports it as Failed) and ignores HTTP(S)_PROXY environment
// variables, since with a proxy the guard would check the proxy's address
// instead of the endpoint's.
func NewHTTPClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = guardControl
	}
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: noRedirect,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   32, // a crisis sends bursts to few platforms: keep their connections
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}

// CheckURL validates a webhook endpoint URL when a platform registers it:
// it must be an absolute https URL (http is also accepted when allowPrivate
// is true), without userinfo, with a host; a literal IP host, or "localhost",
// must be public unless allowPrivate is true. Hostnames are not resolved
// here: the dial-time guard of [NewHTTPClient] covers them. The error names
// the rule broken.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook URL: not a valid URL: %w", err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowPrivate:
	case u.Scheme == "":
		return errors.New("webhook URL: must be absolute (https://host/...)")
	default:
		return fmt.Errorf("webhook URL: scheme must be https, not %q", u.Scheme)
	}
	if u.Opaque != "" {
		return errors.New("webhook URL: must be of the form https://host/path")
	}
	if u.User != nil {
		return errors.New("webhook URL: must not contain userinfo (user:password@)")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("webhook URL: must have a host")
	}
	if allowPrivate {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !isPublic(a) {
			return fmt.Errorf("webhook URL: %w: host %s is not a public IP address", ErrNonPublicAddress, host)
		}
		return nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("webhook URL: %w: host %s is loopback", ErrNonPublicAddress, host)
	}
	return nil
}
