package loadgen

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Pages measures the pages people wait on most, as a browser would ask for them: the
// queue (/queue: the default sort by deadline, a common and a rare state, overdue, a
// search by RMA number and by a phone's last four digits, and its next pages followed
// through the page's own link) and the case page (/cases/{id}) of many cases spread over
// the whole store, as merchant staff, an agent and a customer (whose home page too). Each
// request carries an X-Request-Id, so that the server's own duration can be read from its
// request log afterwards.

// PagesConfig says whom to log in as and how much to ask.
type PagesConfig struct {
	URL          string
	Staff        Login  // merchant staff
	Agent        Login  // an agent (all merchants, or a scope)
	CustomerLink string // a customer's login link (aftersales shop link), used once
	Requests     int    // requests per page variant and role, in each pass
	Clients      int    // clients of the concurrent pass; 1 or less: the sequential pass only
	Cases        int    // case ids per role to open, sampled over the whole store
	ServerLog    string // the server's request log (its standard error), read for duration=
	Seed         uint64 // for the choice of cases and searches
}

// Login is a staff account.
type Login struct{ Username, Password string }

// Percentiles of a set of durations, in milliseconds.
type Percentiles struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// PercentilesOf returns the percentiles of ds (nearest rank).
func PercentilesOf(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := min(int(math.Ceil(p*float64(len(s))))-1, len(s)-1)
		return ms(s[max(i, 0)])
	}
	return Percentiles{N: len(s), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// PageStats is what one page variant (or a page kind, all variants together) measured.
type PageStats struct {
	Pass    string         `json:"pass"` // sequential, or concurrent with N clients
	Role    string         `json:"role"` // staff, agent, customer; all for a kind
	Page    string         `json:"page"` // queue, case or home
	Variant string         `json:"variant"`
	Errors  int            `json:"errors"`
	Status  map[string]int `json:"status"`
	Bytes   int64          `json:"avg_bytes"`
	Client  Percentiles    `json:"client_ms"` // as the client saw it on loopback
	Server  Percentiles    `json:"server_ms"` // the server's duration= of the same requests
}

// PagesResult is a run: each variant, then each page kind.
type PagesResult struct {
	Clients  int            `json:"clients"`
	Cases    map[string]int `json:"case_ids"` // ids sampled per role
	Variants []PageStats    `json:"variants"`
	Kinds    []PageStats    `json:"kinds"`
}

// String is the result as a table.
func (r *PagesResult) String() string {
	var b strings.Builder
	row := func(s PageStats) {
		srv := "-"
		if s.Server.N > 0 {
			srv = fmt.Sprintf("%6.1f %6.1f %6.1f", s.Server.P50, s.Server.P95, s.Server.P99)
		}
		fmt.Fprintf(&b, "%-12s %-8s %-6s %-16s %5d %4d %7d  %6.1f %6.1f %6.1f %7.1f   %s\n", s.Pass, s.Role, s.Page, s.Variant,
			s.Client.N, s.Errors, s.Bytes, s.Client.P50, s.Client.P95, s.Client.P99, s.Client.Max, srv)
	}
	head := fmt.Sprintf("%-12s %-8s %-6s %-16s %5s %4s %7s  %-29s   %s\n", "pass", "role", "page", "variant", "n", "err", "bytes",
		"client ms p50 p95 p99 max", "server ms p50 p95 p99")
	b.WriteString(head)
	for _, s := range r.Variants {
		row(s)
	}
	b.WriteString("\nby page kind (all roles and variants):\n" + head)
	for _, s := range r.Kinds {
		row(s)
	}
	return b.String()
}

// sample is one request's measurement.
type sample struct {
	pass, role, page, variant string
	id                        string
	status                    int
	bytes                     int
	took                      time.Duration
	err                       error
}

// pageClient asks for pages with a session cookie; it never follows redirects.
type pageClient struct {
	base   string
	http   *http.Client
	prefix string
	seq    atomic.Int64
}

func (c *pageClient) get(ctx context.Context, session, path string) (sample, []byte) {
	id := fmt.Sprintf("%s-%d", c.prefix, c.seq.Add(1))
	s := sample{id: id}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		s.err = err
		return s, nil
	}
	req.Header.Set("X-Request-Id", id)
	req.Header.Set("Accept", "text/html,application/json")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "as_session", Value: session})
	}
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		s.err = err
		return s, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	s.took, s.status, s.bytes, s.err = time.Since(t0), resp.StatusCode, len(body), err
	if s.err == nil && resp.StatusCode != http.StatusOK {
		s.err = fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return s, body
}

// login logs a staff account in through the login form and returns its session cookie.
func (c *pageClient) login(ctx context.Context, l Login) (string, error) {
	// The form's token is the as_login_csrf cookie's value (a double submit).
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/login", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("login form: %w", err)
	}
	resp.Body.Close()
	token := cookieOf(resp, "as_login_csrf")
	if token == "" {
		return "", fmt.Errorf("login form: %d without its as_login_csrf cookie", resp.StatusCode)
	}
	form := url.Values{"username": {l.Username}, "password": {l.Password}, "csrf_token": {token}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "as_login_csrf", Value: token})
	resp, err = c.http.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if session := cookieOf(resp, "as_session"); resp.StatusCode == http.StatusSeeOther && session != "" {
		return session, nil
	}
	return "", fmt.Errorf("log in as %s: %d (a wrong password, or too many logins from this address)", l.Username, resp.StatusCode)
}

// openLink opens a customer's login link and returns the session cookie.
func (c *pageClient) openLink(ctx context.Context, link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+u.RequestURI(), nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if session := cookieOf(resp, "as_session"); resp.StatusCode == http.StatusSeeOther && session != "" {
		return session, nil
	}
	return "", fmt.Errorf("open the customer's login link: %d (links work once, for at most 15 minutes)", resp.StatusCode)
}

func cookieOf(resp *http.Response, name string) string {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// caseRef is a case as the list API names it.
type caseRef struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

// sampleCases collects about n case ids the session sees, spread over the whole store: a
// page of the list created before each of n/50 random moments in the last 100 days.
func (c *pageClient) sampleCases(ctx context.Context, session string, n int, r *mrand.Rand) ([]caseRef, error) {
	seen := map[string]bool{}
	var out []caseRef
	add := func(path string) (string, error) {
		s, body := c.get(ctx, session, path)
		if s.err != nil {
			return "", fmt.Errorf("list cases: %w", s.err)
		}
		var page struct {
			Items []caseRef `json:"items"`
			Next  string    `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return "", fmt.Errorf("list cases: %w", err)
		}
		for _, it := range page.Items {
			if !seen[it.ID] {
				seen[it.ID] = true
				out = append(out, it)
			}
		}
		return page.Next, nil
	}
	next, err := add("/api/v1/cases?limit=500")
	if err != nil {
		return nil, err
	}
	if next == "" || len(out) >= n { // all there is (a customer's cases)
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out[:min(n, len(out))], nil
	}
	out = out[:0]
	clear(seen)
	now := time.Now()
	for tries := 0; len(out) < n && tries < n; tries++ {
		at := now.Add(-time.Duration(r.Int64N(int64(100 * 24 * time.Hour))))
		if _, err := add("/api/v1/cases?limit=50&created_to=" + url.QueryEscape(at.UTC().Format(time.RFC3339))); err != nil {
			return nil, err
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:min(n, len(out))], nil
}

// nextLink finds the queue's link to its next page.
var nextLink = regexp.MustCompile(`href="(/queue\?[^"]*cursor=[^"]*)"`)

// role is who asks, with what they ask for.
type role struct {
	name    string
	session string
	cases   []caseRef
	queue   bool // staff: the queue's variants
}

// variant is one kind of request of a role; path returns the i-th request's address.
type variant struct {
	page, name string
	path       func(i int, w *walker) string
}

// walker follows the queue's next links of one client and role, from the first page
// again at the end.
type walker struct {
	next string
}

func variantsOf(ro *role, r *mrand.Rand) []variant {
	ids := ro.cases
	casePage := variant{"case", "/cases/{id}", func(i int, _ *walker) string { return "/cases/" + ids[i%len(ids)].ID }}
	if !ro.queue {
		return []variant{{"home", "/", func(int, *walker) string { return "/" }}, casePage}
	}
	phones := make([]string, 64)
	for i := range phones {
		phones[i] = fmt.Sprintf("%04d", r.IntN(10000))
	}
	return []variant{
		{"queue", "default", func(int, *walker) string { return "/queue" }},
		{"queue", "state=requested", func(int, *walker) string { return "/queue?state=requested" }},
		{"queue", "state=disputed", func(int, *walker) string { return "/queue?state=disputed" }},
		{"queue", "overdue", func(int, *walker) string { return "/queue?overdue=1" }},
		{"queue", "q=RMA number", func(i int, _ *walker) string { return "/queue?q=" + url.QueryEscape(ids[i%len(ids)].Number) }},
		{"queue", "q=phone last4", func(i int, _ *walker) string { return "/queue?q=" + phones[i%len(phones)] }},
		{"queue", "next pages", func(_ int, w *walker) string { return w.next }},
		casePage,
	}
}

// RunPages logs in, samples the cases, and measures: a sequential pass, then a
// concurrent one when cfg.Clients > 1.
func RunPages(ctx context.Context, cfg PagesConfig) (*PagesResult, error) {
	if cfg.Requests <= 0 {
		cfg.Requests = 200
	}
	if cfg.Cases <= 0 {
		cfg.Cases = 1000
	}
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	c := &pageClient{base: strings.TrimRight(cfg.URL, "/"), prefix: "pb" + strings.ToLower(rand.Text()[:8]),
		http: &http.Client{Transport: tr, Timeout: time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	r := mrand.New(mrand.NewPCG(cfg.Seed, 1))

	var roles []*role
	for _, who := range []struct {
		name  string
		login Login
	}{{"staff", cfg.Staff}, {"agent", cfg.Agent}} {
		if who.login.Username == "" {
			continue
		}
		session, err := c.login(ctx, who.login)
		if err != nil {
			return nil, err
		}
		roles = append(roles, &role{name: who.name, session: session, queue: true})
	}
	if cfg.CustomerLink != "" {
		session, err := c.openLink(ctx, cfg.CustomerLink)
		if err != nil {
			return nil, err
		}
		roles = append(roles, &role{name: "customer", session: session})
	}
	if len(roles) == 0 {
		return nil, errors.New("nobody to log in as: give staff, an agent or a customer's login link")
	}
	res := &PagesResult{Clients: max(1, cfg.Clients), Cases: map[string]int{}}
	for _, ro := range roles {
		cases, err := c.sampleCases(ctx, ro.session, cfg.Cases, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ro.name, err)
		}
		if len(cases) == 0 {
			return nil, fmt.Errorf("%s sees no case", ro.name)
		}
		ro.cases = cases
		res.Cases[ro.name] = len(cases)
	}

	var samples []sample
	var mu sync.Mutex
	pass := func(name string, clients int) error {
		per := (cfg.Requests + clients - 1) / clients
		var wg sync.WaitGroup
		errs := make([]error, clients)
		for k := range clients {
			wg.Go(func() {
				rk := mrand.New(mrand.NewPCG(cfg.Seed, uint64(2+k)))
				vs := make([][]variant, len(roles))
				walkers := make([]walker, len(roles))
				for j, ro := range roles {
					vs[j] = variantsOf(ro, rk)
				}
				var mine []sample
				for i := range per {
					for j, ro := range roles {
						w := &walkers[j]
						for _, v := range vs[j] {
							path := v.path(k*per+i, w)
							if v.name == "next pages" && path == "" {
								// The first page, for its next link; not counted.
								_, body := c.get(ctx, ro.session, "/queue")
								w.next = firstNext(body)
								if path = w.next; path == "" {
									continue // a queue of one page
								}
							}
							s, body := c.get(ctx, ro.session, path)
							if v.name == "next pages" {
								w.next = firstNext(body)
							}
							s.pass, s.role, s.page, s.variant = name, ro.name, v.page, v.name
							mine = append(mine, s)
							if err := ctx.Err(); err != nil {
								errs[k] = err
								return
							}
						}
					}
				}
				mu.Lock()
				samples = append(samples, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	if err := pass("sequential", 1); err != nil {
		return nil, err
	}
	if cfg.Clients > 1 {
		if err := pass(fmt.Sprintf("concurrent×%d", cfg.Clients), cfg.Clients); err != nil {
			return nil, err
		}
	}

	var server map[string]time.Duration
	if cfg.ServerLog != "" {
		time.Sleep(200 * time.Millisecond) // the last lines
		var err error
		if server, err = readDurations(cfg.ServerLog, c.prefix); err != nil {
			return nil, err
		}
	}
	res.Variants = tally(samples, server, func(s sample) [4]string { return [4]string{s.pass, s.role, s.page, s.variant} })
	res.Kinds = tally(samples, server, func(s sample) [4]string { return [4]string{s.pass, "all", s.page, "all"} })
	return res, nil
}

func firstNext(body []byte) string {
	m := nextLink.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

// tally groups samples by key, in the order the keys first appear.
func tally(samples []sample, server map[string]time.Duration, key func(sample) [4]string) []PageStats {
	type group struct {
		stats          PageStats
		client, srv    []time.Duration
		bytes, counted int64
	}
	var order [][4]string
	groups := map[[4]string]*group{}
	for _, s := range samples {
		k := key(s)
		g := groups[k]
		if g == nil {
			g = &group{stats: PageStats{Pass: k[0], Role: k[1], Page: k[2], Variant: k[3], Status: map[string]int{}}}
			groups[k] = g
			order = append(order, k)
		}
		g.stats.Status[fmt.Sprint(s.status)]++
		if s.err != nil {
			g.stats.Errors++
			continue
		}
		g.client = append(g.client, s.took)
		g.bytes += int64(s.bytes)
		g.counted++
		if d, ok := server[s.id]; ok {
			g.srv = append(g.srv, d)
		}
	}
	out := make([]PageStats, 0, len(order))
	for _, k := range order {
		g := groups[k]
		g.stats.Client, g.stats.Server = PercentilesOf(g.client), PercentilesOf(g.srv)
		if g.counted > 0 {
			g.stats.Bytes = g.bytes / g.counted
		}
		out = append(out, g.stats)
	}
	return out
}

// logLine finds a request's duration and id in the server's request log (log/slog text:
// … duration=12.3ms bytes=… request_id=…).
var logLine = regexp.MustCompile(`duration=(\S+) .*request_id=(\S+)`)

// readDurations reads the durations of the requests whose ids start with prefix.
func readDurations(path, prefix string) (map[string]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer f.Close()
	out := map[string]time.Duration{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "request_id="+prefix+"-") {
			continue
		}
		m := logLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if d, err := time.ParseDuration(m[1]); err == nil {
			out[m[2]] = d
		}
	}
	return out, sc.Err()
}
