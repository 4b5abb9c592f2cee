package httpapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a token bucket: Events per Per on average, up to Burst at once. The zero Rate
// is no limit.
type Rate struct {
	Events int
	Per    time.Duration
	Burst  int
}

func (r Rate) unlimited() bool { return r.Events <= 0 || r.Per <= 0 || r.Burst <= 0 }

// Limits are the rate limits on writes (SPEC §14: per token and per address), logins and
// failed credentials, kept in memory by each replica: a client spread over n replicas may
// do n times as much.
type Limits struct {
	// Principal limits the unsafe /api/v1 requests of one person: a token or staff
	// account (all its sessions) or customer session of any role but integration.
	Principal Rate
	// Integration limits the unsafe /api/v1 requests of one integration token: a shop
	// system pushes orders in bulk, at a rate no person reaches.
	Integration Rate
	// Addr limits, per client address, the unsafe /api/v1 requests of persons and the
	// pages' forms (POST /login, /logout); integrations are limited by Integration alone,
	// since a shop system's requests share its address. At the same rate, in a bucket of
	// their own, it limits the requests whose credentials fail (the API's reads and
	// writes, and /metrics): an address that has spent that bucket is refused every API
	// request and /metrics until it refills, whatever credentials it sends.
	Addr Rate
	// Login limits login attempts from one client address: POST /login and the login
	// links (GET /login/link), which a password guesser would otherwise hammer.
	Login Rate
}

// DefaultLimits are the limits of a server whose Options set none.
var DefaultLimits = Limits{
	Principal:   Rate{Events: 20, Per: time.Second, Burst: 40},
	Integration: Rate{Events: 2000, Per: time.Second, Burst: 4000},
	Addr:        Rate{Events: 50, Per: time.Second, Burst: 100},
	Login:       Rate{Events: 10, Per: time.Minute, Burst: 10},
}

// ParseRate reads a rate as the command line gives it: EVENTS/PERIOD[:BURST], where
// PERIOD is a Go duration and a bare unit means one of it ("20/s:40", "10/m", "300/5m");
// the burst is EVENTS when not given. "off" (or "0") is no limit.
func ParseRate(s string) (Rate, error) {
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	bad := fmt.Errorf("rate %q: want EVENTS/PERIOD[:BURST] such as 20/s:40 or 10/m, or off", s)
	events, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, bad
	}
	period, burst, hasBurst := strings.Cut(rest, ":")
	if period != "" && (period[0] < '0' || period[0] > '9') {
		period = "1" + period
	}
	var r Rate
	var err error
	if r.Events, err = strconv.Atoi(events); err != nil || r.Events <= 0 {
		return Rate{}, bad
	}
	if r.Per, err = time.ParseDuration(period); err != nil || r.Per <= 0 || r.Per > 24*time.Hour {
		return Rate{}, bad
	}
	r.Burst = r.Events
	if hasBurst {
		if r.Burst, err = strconv.Atoi(burst); err != nil || r.Burst <= 0 {
			return Rate{}, bad
		}
	}
	return r, nil
}

// String is the rate as ParseRate reads it.
func (r Rate) String() string {
	if r.unlimited() {
		return "off"
	}
	period := r.Per.String()
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if r.Per%u.d != 0 {
			continue
		}
		period = u.unit
		if n := r.Per / u.d; n != 1 {
			period = strconv.FormatInt(int64(n), 10) + u.unit
		}
		break
	}
	return fmt.Sprintf("%d/%s:%d", r.Events, period, r.Burst)
}

// limiter is one kind of limit: a token bucket per key (a principal or an address).
// Buckets that have filled up again are dropped now and then, so that the map holds only
// the keys active in the last refill period.
type limiter struct {
	rate  Rate
	mu    sync.Mutex
	keys  map[string]*rate.Limiter
	swept time.Time
}

func newLimiter(r Rate) *limiter {
	return &limiter{rate: r, keys: map[string]*rate.Limiter{}}
}

// sweepEvery is how often full buckets are dropped.
const sweepEvery = time.Minute

// allow takes a token from key's bucket at now. When there is none it returns false and
// how long until there is.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.rate.unlimited() {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > sweepEvery {
		for k, b := range l.keys {
			if b.TokensAt(now) >= float64(l.rate.Burst) {
				delete(l.keys, k)
			}
		}
		l.swept = now
	}
	b, ok := l.keys[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(l.rate.Events)/l.rate.Per.Seconds()), l.rate.Burst)
		l.keys[key] = b
	}
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// wait is how long until key's bucket has a token again, without taking one: 0 when it
// has one now.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	if l == nil || l.rate.unlimited() {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[key]
	if !ok {
		return 0
	}
	missing := 1 - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(b.Limit()) * float64(time.Second))
}

// retryAfter is a wait as the whole seconds of a Retry-After header, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
