package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/app"
)

// Cookies and the header of the session.
const (
	// sessionCookie holds a web session's secret (app.Session.Secret).
	sessionCookie = "as_session"
	// loginCSRFCookie is the login form's double-submit token: the form's hidden
	// csrf_token must equal it, which a page on another site cannot arrange.
	loginCSRFCookie = "as_login_csrf"
	// csrfHeader carries the session's CSRF token on API writes made with the session.
	csrfHeader = "X-CSRF-Token"
	// csrfField carries it in the forms of pages.
	csrfField = "csrf_token"
)

// Content security policies: pages load only their own style sheet, script and images
// (and blob: previews of the photos a person is about to upload), and post only to
// themselves; API answers load nothing. Neither may be framed.
const (
	cspHTML = "default-src 'self'; img-src 'self' blob:; media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	cspAPI  = "default-src 'none'; frame-ancestors 'none'"
)

// hsts tells browsers to use only HTTPS with this host for a year (RFC 6797), so that
// someone on the network cannot turn a later visit into plain HTTP and read or set its
// cookies; includeSubDomains closes the same door on the subdomains, from whose plain
// HTTP answers cookies could be tossed into ours (the login form's double-submit token).
// It is not preloaded: that is the operator's choice.
const hsts = "max-age=31536000; includeSubDomains"

// setSecurityHeaders sets the headers every answer carries; pages replace the CSP with
// cspHTML. Where cookies are Secure (TLS, or Options.SecureCookies behind a proxy that
// ends TLS) the server is one browsers reach over HTTPS, and answers carry HSTS too;
// browsers ignore it on plain HTTP, where it would only mislead.
func (s *Server) setSecurityHeaders(h http.Header, r *http.Request) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", cspAPI)
	if s.secure(r) {
		h.Set("Strict-Transport-Security", hsts)
	}
}

// secure reports whether r reached us over HTTPS, as far as we know: over TLS, or
// through a proxy that ends TLS (Options.SecureCookies).
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.secureCookies }

// sameToken compares a CSRF token sent with the expected one in constant time; an empty
// token never matches.
func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// clientInfo is where a request comes from, for the audit log and the address limit.
type clientInfo struct {
	addr   string
	client string
}

func clientFrom(ctx context.Context) clientInfo {
	ci, _ := ctx.Value(clientKey).(clientInfo)
	return ci
}

// maxClientLen is how much of a User-Agent the audit log keeps.
const maxClientLen = 200

// clientOf returns the client's address — the connection's, or with TrustProxy the last
// address in X-Forwarded-For, which the proxy in front appended (the entries before it
// are whatever the client claimed) — and its User-Agent, cut to maxClientLen characters
// of valid UTF-8.
func (s *Server) clientOf(r *http.Request) (addr, client string) {
	addr = r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if s.trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				addr = ip.Unmap().String()
			}
		}
	}
	return addr, cleanText(r.UserAgent(), maxClientLen)
}

// cleanText makes s valid UTF-8 without control characters, cut to n characters: what
// the client sends may reach the audit log, whose databases refuse invalid text.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// cookie is a cookie of ours: HttpOnly, SameSite=Lax unless said otherwise, Secure on
// TLS or with Options.SecureCookies. maxAge < 0 deletes it.
func (s *Server) cookie(r *http.Request, name, value, path string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)}
}

// setSessionCookie sets the cookie of a new session; the store ends it after
// app.SessionIdle of disuse or app.SessionMax, whichever comes first.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, sess *app.Session) {
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.Secret, "/", int(app.SessionMax.Seconds())))
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, sessionCookie, "", "/", -1))
}

// mayScrape lets a request read /metrics — request rates, refunds, SLA breaches and
// backlogs, no business of the public — when it comes from a loopback address (a scraper
// on this host) or carries Options.MetricsToken as its bearer token, as Prometheus sends
// its scrape config's authorization credentials. Anyone else is unauthorized (401 with a
// Bearer challenge, not 404: the path is in the OpenAPI document and every Prometheus
// knows it, and a scraper with a missing or wrong token should be told so). Failed
// tokens count against the address like any failed credentials.
func (s *Server) mayScrape(r *http.Request) error {
	if directLoopback(r) {
		return nil
	}
	addr, now := clientFrom(r.Context()).addr, time.Now()
	if wait := s.failLimit.wait(r.Context(), addr, now); wait > 0 {
		return errRateLimited(wait)
	}
	if s.metricsToken != nil {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare(sum[:], s.metricsToken) == 1 {
			return nil
		}
	}
	if ok, wait := allow(r.Context(), now, check{s.failLimit, addr}); !ok {
		return errRateLimited(wait)
	}
	return errMetricsUnauthorized
}

var errMetricsUnauthorized = &app.Error{Code: app.CodeUnauthorized, Message: app.Text{
	EN: "the metrics are served to loopback addresses, and to others with the bearer token of serve --metrics-token",
	ZH: "指标仅对本机回环地址开放;其他地址须携带 serve --metrics-token 设置的 Bearer 令牌"}}

// directLoopback reports whether r came straight from a loopback address: the
// connection's, whatever TrustProxy makes of X-Forwarded-For, and no proxy's — a request
// that carries a forwarding header was relayed for someone else, even by a proxy on this
// host. (A proxy on this host that relays without saying so makes everyone loopback:
// it must set X-Forwarded-For, or keep /metrics to itself.)
func directLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if len(r.Header.Values(h)) > 0 {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
