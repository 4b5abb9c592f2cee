// Package app is the application layer: every command and query of every actor — a
// customer's click, a merchant's API call, a timer firing, an import — runs here, the same
// way: authorize → load → decide in the core → persist state, history event, timers and
// outbox messages in one transaction (DESIGN.md principle 2). HTTP handlers, pages, the
// scheduler and the CLI only translate to and from these calls.
package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// Observer receives what the application does, for metrics. All methods must be cheap
// and safe for concurrent use.
type Observer interface {
	Transition(t aftersale.Type, a aftersale.Action)
	// SLA counts a recorded SLA warning (breach false) or breach of a clock kind.
	SLA(clock string, breach bool)
	// Uploads reports a sweep of unclaimed uploads: what it deleted, what is stored after it.
	Uploads(s UploadSweep)
	// GatewayCall counts a call to the payment gateway by its outcome: succeeded, failed
	// (declined), processing, or error (the call failed).
	GatewayCall(outcome string)
}

type noObserver struct{}

func (noObserver) Transition(aftersale.Type, aftersale.Action) {}
func (noObserver) SLA(string, bool)                            {}
func (noObserver) Uploads(UploadSweep)                         {}
func (noObserver) GatewayCall(string)                          {}

// Config wires an App.
type Config struct {
	Store  store.Store
	Engine *policy.Engine
	Blobs  blob.Store
	// Now is the clock for work outside a transaction (the policy dry run); the store has
	// its own, and both should be the same in production.
	Now      func() time.Time
	Logger   *slog.Logger
	Observer Observer
	// OnTimer, when set, is called after a commit that set timers, with the earliest due
	// time, so that a scheduler sleeping past it can wake (scheduler.Scheduler.Wake).
	OnTimer func(due time.Time)
	// OnOutbox, when set, is called after a commit that wrote outbox messages (relay wake-up).
	OnOutbox func()
	// UploadQuota bounds what one uploader stores in a day; its zero fields take the
	// defaults (DefaultUploadQuota).
	UploadQuota UploadQuota
	// Gateway executes payments (the simulated gateway by default); nil: payments wait.
	Gateway ledger.Gateway
	// Payments is the retry schedule of failing payments; zero fields take the defaults.
	Payments ledger.Schedule
	// BaseURL is where people reach the pages ("http://127.0.0.1:8080"), for links in
	// emails and messages.
	BaseURL string
	// Mailer sends email (--smtp-url); nil: emails are logged only.
	Mailer notify.Mailer
	// SMS sends text messages; nil: none are sent.
	SMS notify.SMSSender
	// Publisher publishes case events to the event stream (--nats-url); nil: none.
	Publisher Publisher
	// WebhooksAllowPrivate lets webhooks reach loopback and private addresses (tests,
	// demos; --webhooks-allow-private).
	WebhooksAllowPrivate bool
}

// Publisher publishes a merchant's event to the event stream, exactly once per id (a
// second publication of an id is dropped by the stream).
type Publisher interface {
	PublishEvent(ctx context.Context, merchant, event, id string, data []byte) error
}

// App runs the commands and queries. It is safe for concurrent use.
type App struct {
	store    store.Store
	engine   *policy.Engine
	blobs    blob.Store
	now      func() time.Time
	log      *slog.Logger
	obs      Observer
	onTimer  func(time.Time)
	onOutbox func()
	quota    UploadQuota
	gateway  ledger.Gateway
	payments ledger.Schedule
	baseURL  string
	mailer   notify.Mailer
	sms      notify.SMSSender
	pub      Publisher
	webhooks webhookConfig
	// policySync serializes RefreshPolicies; policyMark is the store's PolicyMark when it
	// last read the versions.
	policySync sync.Mutex
	policyMark store.PolicyMark
	// What this replica read lately of what changes seldom (shortcache.go).
	activePlans shortCache[struct{}, []PlanView]   // the emergency plans active now (decide)
	tiers       shortCache[tierKey, string]        // merchants' scorecard tiers (merchantTier)
	kbStats     shortCache[struct{}, articleStats] // published articles' count and mean length (triage)
}

// New returns an App.
func New(cfg Config) *App {
	a := &App{store: cfg.Store, engine: cfg.Engine, blobs: cfg.Blobs, now: cfg.Now, log: cfg.Logger, obs: cfg.Observer, onTimer: cfg.OnTimer, onOutbox: cfg.OnOutbox}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.obs == nil {
		a.obs = noObserver{}
	}
	a.quota = cfg.UploadQuota.withDefaults()
	a.gateway, a.payments = cfg.Gateway, cfg.Payments.Normal()
	a.baseURL = strings.TrimRight(cfg.BaseURL, "/")
	a.mailer, a.sms, a.pub = cfg.Mailer, cfg.SMS, cfg.Publisher
	a.webhooks = newWebhookConfig(cfg.WebhooksAllowPrivate)
	return a
}

// Engine is the policy engine the App decides with.
// Now is the application's clock: the time commands are stamped with.
func (a *App) Now() time.Time { return a.now() }

func (a *App) Engine() *policy.Engine { return a.engine }

// Ready reports whether the App can serve: the store answers and is migrated.
func (a *App) Ready(ctx context.Context) error { return a.store.Ready(ctx) }

// OutboxBacklog counts messages waiting to leave the system.
func (a *App) OutboxBacklog(ctx context.Context) (n int, err error) {
	err = a.store.View(ctx, func(tx store.Tx) error {
		n, err = tx.OutboxBacklog(ctx)
		return err
	})
	return n, err
}
