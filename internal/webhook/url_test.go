package webhook

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// fakeResolver maps names to addresses; other names do not resolve.
type fakeResolver map[string][]string

func (f fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := f[strings.TrimSuffix(host, ".")]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

var testResolver = fakeResolver{
	"shop.example":      {"93.184.216.34"},
	"v6.shop.example":   {"2606:2800:220:1:248:1893:25c8:1946"},
	"evil.example":      {"10.0.0.5"},
	"mixed.example":     {"93.184.216.34", "127.0.0.1"},
	"meta.example":      {"169.254.169.254"},
	"loop6.example":     {"::1"},
	"mapped.example":    {"::ffff:192.168.1.1"},
	"ula.example":       {"fd00::1"},
	"cgnat.example":     {"100.64.1.1"},
	"zero.example":      {"0.0.0.0"},
	"127.0.0.1.nip.io":  {"127.0.0.1"},
	"intranet":          {"172.20.0.1"},
	"xn--bcher-kva.com": {"93.184.216.35"},
	"my_host.example":   {"93.184.216.36"},
}

func TestCheckURL(t *testing.T) {
	ok := []string{
		"https://shop.example/hooks/aftersales",
		"http://shop.example",
		"https://shop.example:8443/h?token=abc",
		"HTTPS://SHOP.EXAMPLE/x",
		"https://shop.example./x",
		"https://v6.shop.example/x",
		"https://xn--bcher-kva.com/",
		"https://my_host.example/",
		"http://93.184.216.34/",
		"http://8.8.8.8:8080/x",
		"http://[2606:2800:220:1:248:1893:25c8:1946]/",
		"http://[2002:5db8:d822::1]/", // 6to4 of 93.184.216.34
		"http://[64:ff9b::808:808]/",  // NAT64 of 8.8.8.8
		"http://[::ffff:8.8.8.8]/",
		"https://shop.example/" + strings.Repeat("a", 2048-len("https://shop.example/")),
	}
	// Refused whatever allowPrivate says.
	bad := []string{
		"",
		"shop.example/hooks",
		"//shop.example/hooks",
		"/hooks",
		"ftp://shop.example/",
		"file:///etc/passwd",
		"gopher://shop.example/",
		"javascript:alert(1)",
		"http:shop.example",
		"http://",
		"http:///path",
		"http://:80/",
		"http://user:pass@shop.example/",
		"http://user@shop.example/",
		"http://@shop.example/",
		"http://shop.example/#frag",
		"http://shop.example/#",
		"http://shop.example:0/",
		"http://shop.example:65536/",
		"http://shop.example:/",
		"http://shop example/",
		"http://shop.example\n/",
		"http://bücher.example/",
		"http://-shop.example/",
		"http://shop..example/",
		"http://" + strings.Repeat("a", 64) + ".example/",
		"http://[127.0.0.1]/",
		"http://[::1/",
		"http://[shop.example]/",
		"http://127.1/",
		"http://2130706433/",
		"http://0x7f.1/",
		"http://0x7f000001/",
		"http://0177.0.0.1/",
		"http://127.000.000.001/",
		"http://017700000001/",
		"http://127.0.0.1./",
		"http://shop.example.123/",
		"http://127.0.0.1%2508/",
		"https://shop.example/" + strings.Repeat("a", 2049-len("https://shop.example/")),
	}
	// Refused unless allowPrivate.
	private := []string{
		"http://127.0.0.1/",
		"http://127.0.0.1:8080/hook",
		"http://127.255.255.254/",
		"http://10.0.0.1/",
		"http://10.255.255.255/",
		"http://172.16.0.1/",
		"http://172.31.255.255/",
		"http://192.168.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://169.254.0.1/",
		"http://100.64.0.1/",
		"http://100.127.255.255/",
		"http://0.0.0.0/",
		"http://0.1.2.3/",
		"http://224.0.0.1/",
		"http://239.255.255.250/",
		"http://255.255.255.255/",
		"http://240.0.0.1/",
		"http://198.18.0.1/",
		"http://192.0.0.1/",
		"http://[::1]/",
		"http://[::1]:8080/",
		"http://[::]/",
		"http://[0:0:0:0:0:0:0:1]/",
		"http://[::ffff:127.0.0.1]/",
		"http://[::ffff:7f00:1]/",
		"http://[::ffff:10.0.0.1]/",
		"http://[::ffff:169.254.169.254]/",
		"http://[::127.0.0.1]/",
		"http://[64:ff9b::7f00:1]/",
		"http://[64:ff9b::a00:1]/",
		"http://[2002:7f00:1::]/",
		"http://[2002:a9fe:a9fe::1]/",
		"http://[fc00::1]/",
		"http://[fd12:3456:789a::1]/",
		"http://[fe80::1]/",
		"http://[fe80::1%25eth0]/",
		"http://[febf::1]/",
		"http://[ff02::1]/",
		"http://[fec0::1]/",
		"http://localhost/",
		"http://LOCALHOST:8080/",
		"http://localhost./",
		"http://api.localhost/",
		"http://evil.example/",
		"http://mixed.example/",
		"http://meta.example/",
		"http://loop6.example/",
		"http://mapped.example/",
		"http://ula.example/",
		"http://cgnat.example/",
		"http://zero.example/",
		"http://127.0.0.1.nip.io/",
		"http://intranet/",
		"http://does-not-resolve.example/",
	}
	ctx := context.Background()
	check := func(raw string, allowPrivate, wantOK bool) {
		t.Helper()
		err := CheckURL(ctx, raw, allowPrivate, testResolver)
		if (err == nil) != wantOK {
			t.Errorf("CheckURL(%q, allowPrivate=%v) = %v, want ok=%v", raw, allowPrivate, err, wantOK)
			return
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "url" || fe.ZH == "" || fe.EN == "" || err.Error() != fe.EN {
				t.Errorf("CheckURL(%q) = %#v, want a *FieldError for url with both messages", raw, err)
			}
		}
	}
	for _, raw := range ok {
		check(raw, false, true)
		check(raw, true, true)
	}
	for _, raw := range bad {
		check(raw, false, false)
		check(raw, true, false)
	}
	for _, raw := range private {
		check(raw, false, false)
		check(raw, true, true)
	}
	// The message says why.
	err := CheckURL(ctx, "http://evil.example/", false, testResolver)
	if err == nil || !strings.Contains(err.Error(), "--webhooks-allow-private") {
		t.Errorf("refusal of a private host = %v, want a mention of --webhooks-allow-private", err)
	}
}

func TestCheckURLContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := CheckURL(ctx, "https://shop.example/", false, testResolver)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CheckURL with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestCheckURLNilResolver(t *testing.T) {
	// No network needed: literals and localhost are decided without a look-up.
	if err := CheckURL(context.Background(), "http://[::1]/", false, nil); err == nil {
		t.Error("nil resolver: [::1] accepted")
	}
	if err := CheckURL(context.Background(), "http://localhost/", false, nil); err == nil {
		t.Error("nil resolver: localhost accepted")
	}
	if err := CheckURL(context.Background(), "https://93.184.216.34/", false, nil); err != nil {
		t.Errorf("nil resolver: public literal refused: %v", err)
	}
}

// everythingLoopback resolves every name to 127.0.0.1.
type everythingLoopback struct{}

func (everythingLoopback) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
}

// publicLiteral is an independent judgement of what CheckURL may accept when every name
// resolves to loopback: a host that is an IP address in canonical notation and, by the
// standard library's classification, not loopback, private, link-local, multicast,
// unspecified, nor in CGNAT or 0.0.0.0/8.
func publicLiteral(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return false
	}
	a = a.Unmap()
	ip := net.IP(a.AsSlice())
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	if a.Is4() {
		for _, p := range []string{"0.0.0.0/8", "100.64.0.0/10"} {
			if netip.MustParsePrefix(p).Contains(a) {
				return false
			}
		}
	}
	return true
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://shop.example/hooks", "http://127.0.0.1/", "http://127.1/", "http://2130706433/",
		"http://0x7f.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://localhost/",
		"http://169.254.169.254/", "http://93.184.216.34/", "http://[fe80::1%25eth0]/",
		"http://user@host/", "http://host/#x", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/",
		"http://a.b.c.d.e/", "HTTP://Shop.Example:443/", "http://%31%32%37.0.0.1/", "http://127.0.0.1%2508/",
		"http://[::127.0.0.1]/", "http://0/", "http://00000000000000000000000000000000000000001/",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string) {
		err := CheckURL(ctx, raw, false, everythingLoopback{})
		if err == nil && !publicLiteral(raw) {
			t.Fatalf("CheckURL(%q) accepted with every name resolving to 127.0.0.1", raw)
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "url" {
				t.Fatalf("CheckURL(%q) = %#v, not a *FieldError for url", raw, err)
			}
		}
		// With allowPrivate: no panic, and what it accepts is an absolute http(s) URL.
		if err := CheckURL(ctx, raw, true, everythingLoopback{}); err == nil {
			u, perr := url.Parse(raw)
			if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || len(raw) > MaxURLLen {
				t.Fatalf("CheckURL(%q, allowPrivate) accepted a URL that is not absolute http(s): %v", raw, perr)
			}
		}
	})
}

// everythingPublic resolves every name to a public address and counts the look-ups.
type everythingPublic struct{ calls *int }

func (e everythingPublic) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	*e.calls++
	return []net.IPAddr{{IP: net.IPv4(93, 184, 216, 34)}}, nil
}

func TestCheckURLLocalhostWithoutLookup(t *testing.T) {
	var calls int
	r := everythingPublic{&calls}
	for _, raw := range []string{"http://localhost/", "http://LocalHost:9/", "http://localhost./", "http://a.b.localhost/", "http://localhost.localdomain/"} {
		if err := CheckURL(context.Background(), raw, false, r); err == nil {
			t.Errorf("CheckURL(%q) accepted", raw)
		}
	}
	if calls != 0 {
		t.Errorf("%d look-ups for localhost names, want none", calls)
	}
	if err := CheckURL(context.Background(), "http://shop.example/", false, r); err != nil || calls != 1 {
		t.Errorf("shop.example: %v after %d look-ups", err, calls)
	}
}
