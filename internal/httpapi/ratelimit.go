package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aftersales/aftersales/internal/app"
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
// failed credentials. On PostgreSQL the replicas share them, through buckets in the
// database (app.SharedRateLimits); on SQLite, one process, they are kept in memory.
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
//
// The buckets are kept in memory, unless shared is set: then they are rows of the
// database every replica uses (app.TakeTokens, a GCRA bucket per key), so that a client
// spread over several replicas gets the limit once, not once per replica; the memory
// buckets stand in while the database fails. In memory, buckets that have filled up again
// are dropped now and then, so that the map holds only the keys active in the last refill
// period; in the database a sweeper deletes them (serve).
type limiter struct {
	kind   string // the buckets' names in the database: kind:key
	rate   Rate
	shared *sharedBuckets

	mu   sync.Mutex
	keys map[string]*rate.Limiter
	// taken is, with shared buckets, when this replica last took from a key's bucket:
	// wait asks the database only about those (see wait).
	taken map[string]time.Time
	swept time.Time
}

func newLimiter(kind string, r Rate, shared *sharedBuckets) *limiter {
	return &limiter{kind: kind, rate: r, shared: shared, keys: map[string]*rate.Limiter{}, taken: map[string]time.Time{}}
}

// sweepEvery is how often full buckets are dropped.
const sweepEvery = time.Minute

// bucket is key's bucket as the database keeps it: a token every Per/Events, Burst at most.
func (l *limiter) bucket(key string) app.RateTake {
	return app.RateTake{Key: l.kind + ":" + key, Interval: l.rate.Per / time.Duration(l.rate.Events), Burst: l.rate.Burst}
}

// fill is how long an empty bucket takes to fill up.
func (l *limiter) fill() time.Duration {
	return time.Duration(l.rate.Burst) * (l.rate.Per / time.Duration(l.rate.Events))
}

// sweep drops the memory buckets that are full and the taken times older than a fill.
// l.mu is held.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) <= sweepEvery {
		return
	}
	for k, b := range l.keys {
		if b.TokensAt(now) >= float64(l.rate.Burst) {
			delete(l.keys, k)
		}
	}
	for k, at := range l.taken {
		if now.Sub(at) >= l.fill() {
			delete(l.taken, k)
		}
	}
	l.swept = now
}

// note records that this replica took from key's shared bucket at now.
func (l *limiter) note(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	l.taken[key] = now
}

// check is a token asked of one limiter's bucket for key.
type check struct {
	l   *limiter
	key string
}

// allow takes a token from each check's bucket at now. When one of them has none it
// returns false and how long until it has. In memory the checks are made in order and the
// first refusal ends them; shared buckets are asked all at once, in one round trip, and
// each gives its token or not on its own — a write refused for its address still counts
// against its principal.
func allow(ctx context.Context, now time.Time, checks ...check) (bool, time.Duration) {
	var shared *sharedBuckets
	var takes []app.RateTake
	var active []check
	for _, c := range checks {
		if c.l == nil || c.l.rate.unlimited() {
			continue
		}
		active = append(active, c)
		if c.l.shared != nil {
			shared = c.l.shared
			takes = append(takes, c.l.bucket(c.key))
		}
	}
	if shared != nil && len(takes) == len(active) {
		waits, err := shared.app.TakeTokens(ctx, now, takes)
		if err == nil {
			for _, c := range active {
				c.l.note(c.key, now)
			}
			for _, w := range waits {
				if w > 0 {
					return false, w
				}
			}
			return true, 0
		}
		shared.failed(now, err)
	}
	for _, c := range active {
		if ok, wait := c.l.allowLocal(c.key, now); !ok {
			return false, wait
		}
	}
	return true, 0
}

// allowLocal takes a token from key's memory bucket at now. When there is none it
// returns false and how long until there is.
func (l *limiter) allowLocal(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
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
//
// A shared bucket is read from the database only when this replica took from it within
// the time the bucket takes to fill, lest every authenticated request cost a round trip.
// A client whose failures all went to other replicas can so have one request answered
// here past a spent bucket; its failure is then counted, refused, and noted, and the
// replica asks the database from then on.
func (l *limiter) wait(ctx context.Context, key string, now time.Time) time.Duration {
	if l == nil || l.rate.unlimited() {
		return 0
	}
	if l.shared != nil {
		l.mu.Lock()
		at, ok := l.taken[key]
		l.mu.Unlock()
		if !ok || now.Sub(at) >= l.fill() {
			return 0
		}
		w, err := l.shared.app.TokenWait(ctx, now, l.bucket(key))
		if err == nil {
			return w
		}
		l.shared.failed(now, err)
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

// sharedBuckets are the limits' buckets in the database (app.SharedRateLimits).
type sharedBuckets struct {
	app *app.App
	log *slog.Logger

	mu     sync.Mutex
	warned time.Time
}

// failed reports that the database did not answer a limit, at most once a minute: the
// memory buckets stand in meanwhile, and a database that fails fails the request anyway.
func (b *sharedBuckets) failed(now time.Time, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.warned) < time.Minute {
		return
	}
	b.warned = now
	b.log.Warn("rate limits: the shared buckets did not answer; limiting in memory meanwhile", "err", err)
}

// retryAfter is a wait as the whole seconds of a Retry-After header, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
