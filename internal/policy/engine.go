package policy

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

//go:embed presets/*.yaml
var presets embed.FS

// Preset returns a shipped policy document: "statutory" (the law, SPEC §3) or
// "seed-platform" (the platform rules of the seed documents).
func Preset(name string) ([]byte, error) {
	b, err := presets.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no policy preset %q (have statutory, seed-platform)", name)
	}
	return b, nil
}

// compiled is a document with its conditions compiled.
type compiled struct {
	doc        *Document
	raw        []byte
	windows    []*cWindow
	rules      []*cRule
	shipping   []*cShipping
	deductions []*cDeduction
	shipFee    *condition
	instant    []*cInstant
	deadlines  map[aftersale.DeadlineKind][]cDeadline
}

type cWindow struct {
	*Window
	doc  string
	when *condition
}

type cRule struct {
	*Rule
	doc  string
	when *condition
}

type cShipping struct {
	*ShippingRule
	doc  string
	when *condition
}

type cDeduction struct {
	*Deduction
	doc  string
	when *condition
}

type cInstant struct {
	*InstantRule
	doc  string
	when *condition
}

type cDeadline struct {
	DeadlineOption
	doc  string
	when *condition
}

func compileDocument(d *Document) (*compiled, error) {
	c := &compiled{doc: d, deadlines: map[aftersale.DeadlineKind][]cDeadline{}}
	key := d.Key()
	fail := func(err error) error {
		if pe, ok := err.(*ParseError); ok {
			pe.Doc = key
		}
		return err
	}
	for i := range d.Windows {
		w := &d.Windows[i]
		cond, err := compile(fmt.Sprintf("windows[%d].when", i), w.When)
		if err != nil {
			return nil, fail(err)
		}
		c.windows = append(c.windows, &cWindow{w, key, cond})
	}
	for i := range d.Rules {
		r := &d.Rules[i]
		cond, err := compile(fmt.Sprintf("rules[%d].when", i), r.When)
		if err != nil {
			return nil, fail(err)
		}
		c.rules = append(c.rules, &cRule{r, key, cond})
	}
	for i := range d.ReturnShipping {
		s := &d.ReturnShipping[i]
		cond, err := compile(fmt.Sprintf("return_shipping[%d].when", i), s.When)
		if err != nil {
			return nil, fail(err)
		}
		c.shipping = append(c.shipping, &cShipping{s, key, cond})
	}
	if r := d.Refund; r != nil {
		cond, err := compile("refund.shipping_fee_when", r.ShippingFeeWhen)
		if err != nil {
			return nil, fail(err)
		}
		c.shipFee = cond
		for i := range r.Deductions {
			x := &r.Deductions[i]
			cond, err := compile(fmt.Sprintf("refund.deductions[%d].when", i), x.When)
			if err != nil {
				return nil, fail(err)
			}
			c.deductions = append(c.deductions, &cDeduction{x, key, cond})
		}
	}
	if a := d.AutoApprove; a != nil {
		for i := range a.Instant {
			x := &a.Instant[i]
			cond, err := compile(fmt.Sprintf("auto_approve.instant[%d].when", i), x.When)
			if err != nil {
				return nil, fail(err)
			}
			c.instant = append(c.instant, &cInstant{x, key, cond})
		}
	}
	for k, spec := range d.Deadlines {
		for i, o := range spec {
			cond, err := compileDeadline(fmt.Sprintf("deadlines.%s[%d].when", k, i), o.When)
			if err != nil {
				return nil, fail(err)
			}
			c.deadlines[k] = append(c.deadlines[k], cDeadline{o, key, cond})
		}
	}
	return c, nil
}

// scope is where a document applies.
type scope struct {
	layer    Layer
	merchant string
	category string
}

// Engine holds every loaded policy document, every version of each, and answers which
// policy is in force for a merchant and category at a time. It is safe for concurrent use.
type Engine struct {
	cal   *calendar.Calendar
	floor *compiled

	mu       sync.RWMutex
	byScope  map[scope][]*compiled // ascending version
	byKey    map[string]*compiled
	resolved map[string]*Resolved // by version string

	gen          int // incremented by every Load
	resolveCache map[resolveKey]resolveEntry
}

// New returns an engine with the built-in statutory floor loaded, counting time on cal.
func New(cal *calendar.Calendar) (*Engine, error) {
	data, err := Preset("statutory")
	if err != nil {
		return nil, err
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("the built-in statutory floor: %w", err)
	}
	floor, err := compileDocument(d)
	if err != nil {
		return nil, fmt.Errorf("the built-in statutory floor: %w", err)
	}
	e := &Engine{
		cal: cal, floor: floor,
		byScope:  map[scope][]*compiled{},
		byKey:    map[string]*compiled{floor.doc.Key(): floor},
		resolved: map[string]*Resolved{},

		resolveCache: map[resolveKey]resolveEntry{},
	}
	return e, nil
}

// Calendar is the business calendar the engine counts on.
func (e *Engine) Calendar() *calendar.Calendar { return e.cal }

// Load parses, compiles and checks a document against the statutory floor, and adds it as
// a new version. A document that gives customers less than the law is refused with a
// *FloorError that says what and why; loading the same id and version twice is refused
// unless the content is identical. Errors say at which line of the document the problem
// is, when they can (ParseError.Line, FloorError.Line).
func (e *Engine) Load(data []byte) (*Document, error) {
	d, err := e.load(data)
	return d, located(data, err)
}

func (e *Engine) load(data []byte) (*Document, error) {
	d, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if d.Layer == Statutory {
		return nil, &ParseError{Doc: d.Key(), Field: "layer", Msg: "the statutory floor is built in; load a platform, merchant or category layer"}
	}
	c, err := compileDocument(d)
	if err != nil {
		return nil, err
	}
	c.raw = bytes.Clone(data)
	if err := e.checkFloor(c); err != nil {
		return nil, err
	}
	sc := scope{d.Layer, d.Merchant, d.Category}
	e.mu.Lock()
	defer e.mu.Unlock()
	if prev, ok := e.byKey[d.Key()]; ok {
		if bytes.Equal(prev.raw, c.raw) {
			return prev.doc, nil
		}
		return nil, &ParseError{Doc: d.Key(), Field: "version", Msg: "this id and version is already loaded with different content: raise the version"}
	}
	for _, other := range e.byScope[sc] {
		if other.doc.ID != d.ID {
			return nil, &ParseError{Doc: d.Key(), Field: "id", Msg: fmt.Sprintf("this scope already has policy %q; new versions must keep its id", other.doc.ID)}
		}
	}
	for k, other := range e.byKey {
		if other.doc.ID == d.ID && (scope{other.doc.Layer, other.doc.Merchant, other.doc.Category}) != sc {
			return nil, &ParseError{Doc: d.Key(), Field: "id", Msg: fmt.Sprintf("id %q is used by %s for another scope", d.ID, k)}
		}
	}
	list := append(e.byScope[sc], c)
	slices.SortFunc(list, func(a, b *compiled) int { return cmp.Compare(a.doc.Version, b.doc.Version) })
	e.byScope[sc] = list
	e.byKey[d.Key()] = c
	e.gen++
	return d, nil
}

// Loaded reports whether the document id@version (Document.Key) is loaded. Loading it
// again is safe (the same content is a no-op) but compiles it first; a replica that
// catches up with versions stored by others asks this instead.
func (e *Engine) Loaded(key string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.byKey[key]
	return ok
}

// inForce returns the highest version of a scope effective at t, and when that answer
// can next change (the effective_from of a later version still to come; zero if none).
func (e *Engine) inForce(sc scope, t time.Time) (c *compiled, from, until time.Time) {
	list := e.byScope[sc]
	for i := len(list) - 1; i >= 0; i-- {
		ef := list[i].doc.EffectiveFrom
		if ef.IsZero() || !ef.After(t) {
			return list[i], ef, until
		}
		if until.IsZero() || ef.Before(until) {
			until = ef
		}
	}
	return nil, time.Time{}, until
}

// Resolve returns the policy in force at t for a merchant's goods of a category: the
// floor, the platform layer, the merchant's layer, the platform-wide category layer and
// the merchant's category layer, those that exist. Answers are cached per merchant and
// category for the period in which they hold.
func (e *Engine) Resolve(merchant, category string, t time.Time) (*Resolved, error) {
	key := resolveKey{merchant, category}
	e.mu.RLock()
	if c, ok := e.resolveCache[key]; ok && c.gen == e.gen && !t.Before(c.from) && (c.until.IsZero() || t.Before(c.until)) {
		e.mu.RUnlock()
		return c.r, nil
	}
	scopes := []scope{{Platform, "", ""}}
	if merchant != "" {
		scopes = append(scopes, scope{Merchant, merchant, ""})
	}
	if category != "" {
		scopes = append(scopes, scope{Category, "", category})
		if merchant != "" {
			scopes = append(scopes, scope{Category, merchant, category})
		}
	}
	entry := resolveEntry{gen: e.gen}
	chain := []*compiled{e.floor}
	for _, sc := range scopes {
		c, from, until := e.inForce(sc, t)
		if c != nil {
			chain = append(chain, c)
		}
		if from.After(entry.from) {
			entry.from = from
		}
		if !until.IsZero() && (entry.until.IsZero() || until.Before(entry.until)) {
			entry.until = until
		}
	}
	e.mu.RUnlock()
	r, err := e.resolveChain(chain)
	if err != nil {
		return nil, err
	}
	entry.r = r
	e.mu.Lock()
	if entry.gen == e.gen {
		e.resolveCache[key] = entry
	}
	e.mu.Unlock()
	return r, nil
}

type resolveKey struct{ merchant, category string }

// resolveEntry is a cached Resolve answer, valid for t in [from, until) while no document
// has been loaded since (gen).
type resolveEntry struct {
	gen         int
	from, until time.Time
	r           *Resolved
}

// ResolveVersion returns the policy a case was decided under, from the version string
// stored with it, so that a case keeps its rules when newer versions are loaded.
func (e *Engine) ResolveVersion(version string) (*Resolved, error) {
	e.mu.RLock()
	if r, ok := e.resolved[version]; ok {
		e.mu.RUnlock()
		return r, nil
	}
	var chain []*compiled
	for _, key := range strings.Split(version, "+") {
		c, ok := e.byKey[key]
		if !ok {
			e.mu.RUnlock()
			return nil, fmt.Errorf("policy version %q: %s is not loaded", version, key)
		}
		chain = append(chain, c)
	}
	e.mu.RUnlock()
	return e.resolveChain(chain)
}

func (e *Engine) resolveChain(chain []*compiled) (*Resolved, error) {
	keys := make([]string, len(chain))
	for i, c := range chain {
		keys[i] = c.doc.Key()
	}
	version := strings.Join(keys, "+")
	e.mu.RLock()
	r, ok := e.resolved[version]
	e.mu.RUnlock()
	if ok {
		return r, nil
	}
	r, err := merge(version, e.cal, chain)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if prev, ok := e.resolved[version]; ok {
		r = prev
	} else {
		e.resolved[version] = r
	}
	e.mu.Unlock()
	return r, nil
}
