package webhook

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Resolver looks up a host name; net.DefaultResolver fits.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// MaxURLLen is the longest webhook URL.
const MaxURLLen = 2048

// resolveTimeout bounds the look-up in CheckURL.
const resolveTimeout = 5 * time.Second

// CheckURL validates a webhook URL: absolute http or https, with a host, at most
// MaxURLLen bytes, without user information or a fragment, and a port (if any) from 1 to
// 65535. The host is a DNS name in ASCII (an internationalised name in its xn-- form) or
// an IP address in the usual form (a.b.c.d or [v6]); the shorthand and numeric forms that
// some resolvers accept (127.1, 2130706433, 0x7f.1, 0177.0.0.1) are refused outright.
//
// Unless allowPrivate, the host must not reach the operator's network: an IP literal, and
// every address r (net.DefaultResolver when nil) returns for a name, must not be loopback,
// private, link-local (cloud metadata 169.254.169.254 included), unspecified, multicast,
// CGNAT, 0.0.0.0/8 or otherwise reserved, nor an IPv4-mapped, IPv4-compatible, NAT64 or
// 6to4 form of one; "localhost" and names under it are refused without a look-up, and a
// name that does not resolve is refused. This is checked again when a delivery connects
// (Client), so a name that later resolves elsewhere gets no further.
//
// A problem with the URL is a *FieldError for "url"; the error of ctx is returned as is.
func CheckURL(ctx context.Context, raw string, allowPrivate bool, r Resolver) error {
	if raw == "" {
		return urlError("请填写 webhook 地址", "the webhook URL is required")
	}
	if len(raw) > MaxURLLen {
		return urlError("webhook 地址不能超过 2048 个字符", "the webhook URL must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return urlError("webhook 地址格式不正确", "the webhook URL is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Opaque != "" {
		return urlError("webhook 地址须以 http:// 或 https:// 开头", "the webhook URL must be an absolute http:// or https:// URL")
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return urlError("webhook 地址不能包含用户名或密码", "the webhook URL must not contain a user name or password")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return urlError("webhook 地址不能包含 # 片段", "the webhook URL must not contain a #fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return urlError("webhook 地址的端口不正确", "the port of the webhook URL is not valid")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return urlError("webhook 地址的端口不正确", "the port of the webhook URL is not valid")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return urlError("webhook 地址缺少主机名", "the webhook URL has no host")
	}

	// An IP literal: brackets are the only way to write IPv6 (u.Hostname strips them).
	if strings.HasPrefix(u.Host, "[") || strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return urlError("webhook 地址的主机名不正确", "the host of the webhook URL is not valid")
		}
		if !allowPrivate && forbidden(a) {
			return privateError(host)
		}
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		if !allowPrivate && forbidden(a) {
			return privateError(host)
		}
		return nil
	}
	if endsInNumber(host) {
		return urlError("webhook 地址的主机名不正确:IP 地址请写成 a.b.c.d 的形式", "the host of the webhook URL is not valid: write an IP address as a.b.c.d")
	}
	if !validHostname(host) {
		return urlError("webhook 地址的主机名不正确(国际化域名请写成 xn-- 形式)", "the host of the webhook URL is not a valid host name (write an internationalised name in its xn-- form)")
	}
	if allowPrivate {
		return nil
	}
	name := strings.TrimSuffix(host, ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") || name == "localhost.localdomain" {
		return privateError(host)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	lctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := r.LookupIPAddr(lctx, host)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil || len(addrs) == 0 {
		q := quote(host)
		return urlError("无法解析 webhook 地址的主机名 "+q, "the host "+q+" of the webhook URL does not resolve")
	}
	for _, ia := range addrs {
		a, ok := netip.AddrFromSlice(ia.IP)
		if !ok || forbidden(a) {
			return privateError(host)
		}
	}
	return nil
}

func urlError(zh, en string) error { return &FieldError{Field: "url", ZH: zh, EN: en} }

func privateError(host string) error {
	q := quote(host)
	return urlError(
		"webhook 地址 "+q+" 指向本机、内网或保留地址,不允许(服务须以 --webhooks-allow-private 启动才可使用)",
		"the webhook host "+q+" is a loopback, private or reserved address, which is not allowed (unless the server runs with --webhooks-allow-private)")
}

// endsInNumber reports whether the last label of host (a trailing dot aside) is a number
// in decimal, octal or 0x hex: such a host is an IPv4 address to a URL parser (WHATWG) and
// to inet_aton, never a DNS name.
func endsInNumber(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		for _, c := range last[2:] {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
		return true
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validHostname reports whether host is a DNS name: ASCII labels of letters, digits,
// hyphens and underscores, 1 to 63 bytes, not starting or ending with a hyphen; at most
// 253 bytes; one trailing dot allowed.
func validHostname(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	for _, l := range strings.Split(host, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

var forbidden4 = prefixes(
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // CGNAT
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata 169.254.169.254
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, broadcast
)

var forbidden6 = prefixes(
	"::/96",          // unspecified, loopback, IPv4-compatible (deprecated)
	"64:ff9b:1::/48", // local-use NAT64
	"100::/64",       // discard-only
	"2001::/23",      // IETF protocol assignments (Teredo, ORCHID, ...)
	"2001:db8::/32",  // documentation
	"fc00::/7",       // unique local (private)
	"fe80::/10",      // link-local
	"fec0::/10",      // site-local (deprecated)
	"ff00::/8",       // multicast
)

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

func prefixes(s ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(s))
	for i, x := range s {
		ps[i] = netip.MustParsePrefix(x)
	}
	return ps
}

// forbidden reports whether a is an address a webhook must not reach without
// --webhooks-allow-private; an IPv4 address inside an IPv6 one (mapped, NAT64, 6to4) is
// judged as the IPv4 address.
func forbidden(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.WithZone("").Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			a = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFour.Contains(a):
			a = netip.AddrFrom4([4]byte(b[2:6]))
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return true
	}
	ps := forbidden6
	if a.Is4() {
		ps = forbidden4
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
