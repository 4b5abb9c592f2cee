package httpapi

import (
	"math"
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

// Limits are the rate limits on writes (SPEC §14: per token and per address), kept in
// memory by each replica: a client spread over n replicas may do n times as much.
type Limits struct {
	// Principal limits every unsafe /api/v1 request of one token or one staff account
	// (all its sessions) or one customer session.
	Principal Rate
	// Addr limits every unsafe /api/v1 request and POST /login and /logout from one client
	// address, before authentication.
	Addr Rate
	// Login limits login attempts from one client address: POST /login and the login
	// links (GET /login/link), which a password guesser would otherwise hammer.
	Login Rate
}

// DefaultLimits are the limits of a server whose Options set none.
var DefaultLimits = Limits{
	Principal: Rate{Events: 20, Per: time.Second, Burst: 40},
	Addr:      Rate{Events: 50, Per: time.Second, Burst: 100},
	Login:     Rate{Events: 10, Per: time.Minute, Burst: 10},
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

// retryAfter is a wait as the whole seconds of a Retry-After header, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
