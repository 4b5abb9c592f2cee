package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/delivery"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/postgres"
	"github.com/aftersales/aftersales/internal/store/sqlite"
)

// stack is the wired application: clock → store → policy engine → app.
type stack struct {
	clock *clock.Clock
	store store.Store
	app   *app.App
	where string // the database, for people: "SQLite data/aftersales.db"
	// sched fires due timers and relay delivers the outbox; serve runs them.
	sched *scheduler.Scheduler
	relay *scheduler.Relay
	// sweeper deletes the uploads no case claimed (serve runs it).
	sweeper *scheduler.Sweeper
	// complaints is the complaints' clock: it hands up those whose tier missed a target;
	// parcels is the parcels' (no carrier update for a while).
	complaints *scheduler.Sweeper
	parcels    *scheduler.Sweeper
	// reports folds changed records into the report cells every foldEvery; scorecards
	// scores last month (hourly); schedules sends the scheduled reports that are due.
	reports    *scheduler.Sweeper
	scorecards *scheduler.Sweeper
	schedules  *scheduler.Sweeper
	// alerts checks the early warning every five minutes (one open alert per subject
	// whichever replica opens it).
	alerts *scheduler.Sweeper
	// plans starts the emergency plans whose trigger holds and ends them by their end rule,
	// every minute (a plan changes at the version read, whichever replica gets there).
	plans *scheduler.Sweeper
	// policies loads the policy versions other replicas installed (app.RefreshPolicies),
	// every policyPoll; rates deletes the shared rate limits' full buckets every minute.
	// Every replica runs both, whether or not it schedules.
	policies *scheduler.Sweeper
	rates    *scheduler.Sweeper
	// retention deletes the sent outbox messages, the ended timers, the idempotency records
	// and the ended webhook deliveries older than their retentions, every minute (nil when
	// all are kept).
	retention *scheduler.Sweeper
}

// policyPoll is how often a replica looks for policy versions installed by another: a
// version is live on every replica within about this long (docs/ARCHITECTURE.md,
// "Replicas"). An idle look is one query of a count and a max over a few dozen rows.
const policyPoll = 300 * time.Millisecond

// foldEvery is how often a replica folds the changed records into the report cells, in
// batches of 50 (app.foldBatch): often and small, as a fold holds the SQLite writer while
// applications wait. An idle sweep is one query of the marks.
const foldEvery = 500 * time.Millisecond

// stackConfig is what a command needs wired.
type stackConfig struct {
	store    storeFlags
	calendar string // a calendar file extending the built-in PRC calendar
	policy   string // a policy layer to install at start
	logger   *slog.Logger
	observer app.Observer
	// schedObserver counts timer firings and deliveries (the HTTP metrics, for serve).
	schedObserver scheduler.Observer
	workers       int // the scheduler's; its default when 0
	// uploads bound one uploader's day (the defaults when zero) and say how long an unclaimed
	// upload is kept (app.DefaultUploadGrace when 0).
	uploads uploadFlags
	// gateway executes payments (serve: the simulated gateway); payments is the retry
	// schedule of failing ones (the defaults when zero).
	gateway  ledger.Gateway
	payments ledger.Schedule
	// edges are where notifications and events leave (serve's --base-url, --smtp-url,
	// --nats-url, --webhooks-allow-private).
	edges app.Config
	// outboxRetention is how long sent outbox messages are kept, timerRetention ended
	// timers, idempotencyRetention the records of Idempotency-Keys, webhookRetention the
	// webhook deliveries that ended (0: for ever).
	outboxRetention, timerRetention, idempotencyRetention, webhookRetention time.Duration
}

// pruneEvery is how often a replica deletes the sent outbox messages, the ended timers, the
// idempotency records and the ended webhook deliveries past their retentions, at most
// prunePerSweep of each a time: a backlog (retention newly switched on) drains over several
// sweeps rather than in one long one.
const (
	pruneEvery    = time.Minute
	prunePerSweep = 20_000
)

// retention is what one of the retention sweep's prunings keeps, and the pruning.
type retention struct {
	keep  time.Duration
	prune func(ctx context.Context, keep time.Duration, limit int) (int, error)
}

// cliPrincipal is who the command line acts as where it acts as an admin.
var cliPrincipal = app.Principal{Role: app.RoleAdmin, ID: "cli", Client: "aftersales (command line)"}

// openStore opens (and migrates) the store the flags choose; Close closes it.
func (m *Main) openStore(ctx context.Context, f storeFlags, clk *clock.Clock) (store.Store, string, error) {
	opts := store.Options{Now: clk.Now}
	if f.databaseURL != "" {
		where := "PostgreSQL"
		if u, err := url.Parse(f.databaseURL); err == nil {
			where += " " + u.Host + u.Path
		}
		db, err := postgres.Open(ctx, f.databaseURL, opts)
		if err != nil {
			return nil, "", fmt.Errorf("open %s: %w", where, err)
		}
		m.onClose(db.Close)
		return db, where, nil
	}
	path := filepath.Join(f.data, "aftersales.db")
	db, err := sqlite.Open(ctx, path, opts)
	if err != nil {
		return nil, "", fmt.Errorf("open SQLite %s: %w", path, err)
	}
	m.onClose(db.Close)
	return db, "SQLite " + path, nil
}

// openStack wires the application. The stored policy versions are loaded (the
// seed-platform preset installed on a new store), then the --policy layer, if any.
func (m *Main) openStack(ctx context.Context, cfg stackConfig) (*stack, error) {
	cal := calendar.Default()
	if cfg.calendar != "" {
		data, err := os.ReadFile(cfg.calendar)
		if err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		if cal, err = calendar.Parse(calendar.DefaultData(), data); err != nil {
			return nil, fmt.Errorf("calendar %s: %w", cfg.calendar, err)
		}
	}
	engine, err := policy.New(cal)
	if err != nil {
		return nil, err
	}
	blobs, err := blob.NewDir(filepath.Join(cfg.store.data, "blobs"))
	if err != nil {
		return nil, err
	}
	s := &stack{clock: &clock.Clock{}}
	if s.store, s.where, err = m.openStore(ctx, cfg.store, s.clock); err != nil {
		return nil, err
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s.app = app.New(app.Config{Store: s.store, Engine: engine, Blobs: blobs, Now: s.clock.Now,
		Logger: cfg.logger, Observer: cfg.observer, UploadQuota: cfg.uploads.quota, Gateway: cfg.gateway, Payments: cfg.payments,
		BaseURL: cfg.edges.BaseURL, Mailer: cfg.edges.Mailer, SMS: cmp.Or[notify.SMSSender](cfg.edges.SMS, notify.LogSMS{Logger: cfg.logger}),
		Publisher: cfg.edges.Publisher, WebhooksAllowPrivate: cfg.edges.WebhooksAllowPrivate,
		OnTimer:  func(due time.Time) { s.sched.Wake(due) },
		OnOutbox: func() { s.relay.Wake() }})
	s.sched = scheduler.New(scheduler.Config{Store: s.store, Firer: s.app, Workers: cfg.workers, Now: s.clock.Now, Logger: cfg.logger, Observer: cfg.schedObserver})
	s.relay = scheduler.NewRelay(scheduler.RelayConfig{Store: s.store, Owner: s.sched.Owner(), Now: s.clock.Now,
		Logger: cfg.logger, Observer: cfg.schedObserver, Handlers: delivery.Handlers(s.app), BatchContext: app.RelayBatch})
	grace := cmp.Or(cfg.uploads.grace, app.DefaultUploadGrace)
	s.sweeper = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Sweep: func(ctx context.Context) error {
		_, err := s.app.SweepUploads(ctx, grace)
		return err
	}})
	s.complaints = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: 30 * time.Second, Sweep: func(ctx context.Context) error {
		_, err := s.app.CheckComplaints(ctx)
		return err
	}})
	s.parcels = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: time.Minute, Sweep: func(ctx context.Context) error {
		_, err := s.app.CheckShipments(ctx)
		return err
	}})
	s.reports = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: foldEvery, Sweep: func(ctx context.Context) error {
		_, err := s.app.FoldReports(ctx, 5000)
		return err
	}})
	s.scorecards = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: time.Hour, Sweep: func(ctx context.Context) error {
		_, err := s.app.ScoreLastMonth(ctx)
		return err
	}})
	s.schedules = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: time.Minute, Sweep: func(ctx context.Context) error {
		_, err := s.app.SendDueReports(ctx)
		return err
	}})
	s.alerts = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: 5 * time.Minute, Sweep: func(ctx context.Context) error {
		_, _, err := s.app.CheckAlerts(ctx)
		return err
	}})
	s.plans = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: time.Minute, Sweep: func(ctx context.Context) error {
		_, err := s.app.CheckPlans(ctx)
		return err
	}})
	var refreshFailing bool // log the first of a run of failures only, not three a second
	s.policies = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: policyPoll, Sweep: func(ctx context.Context) error {
		_, err := s.app.RefreshPolicies(ctx)
		if err != nil && refreshFailing {
			return nil
		}
		refreshFailing = err != nil
		return err
	}})
	s.rates = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: time.Minute, Sweep: func(ctx context.Context) error {
		_, err := s.app.SweepRateBuckets(ctx, time.Now())
		return err
	}})
	var prunes []retention
	for _, p := range []retention{
		{cfg.outboxRetention, s.app.PruneOutbox},
		{cfg.timerRetention, s.app.PruneTimers},
		{cfg.idempotencyRetention, s.app.PruneIdempotency},
		{cfg.webhookRetention, s.app.PruneDeliveries},
	} {
		if p.keep > 0 {
			prunes = append(prunes, p)
		}
	}
	if len(prunes) > 0 {
		s.retention = scheduler.NewSweeper(scheduler.SweeperConfig{Logger: cfg.logger, Interval: pruneEvery, Sweep: func(ctx context.Context) error {
			var errs []error
			for _, p := range prunes {
				_, err := p.prune(ctx, p.keep, prunePerSweep)
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		}})
	}
	if err := s.app.LoadPolicies(ctx); err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	if n, err := s.app.BackfillDisputes(ctx); err != nil {
		return nil, fmt.Errorf("open the disputes of disputed cases: %w", err)
	} else if n > 0 {
		cfg.logger.Info("opened the disputes of cases disputed before disputes existed", "cases", n)
	}
	if cfg.policy != "" {
		doc, err := os.ReadFile(cfg.policy)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		d, err := s.app.InstallPolicy(ctx, cliPrincipal, doc)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", cfg.policy, describe(err))
		}
		cfg.logger.Info("policy installed", "policy", d.Key(), "layer", d.Layer, "file", cfg.policy)
	}
	return s, nil
}

// describe spells out an application error with its field messages, in English and
// Chinese, for a terminal.
func describe(err error) error {
	ae, ok := err.(*app.Error)
	if !ok {
		return err
	}
	msg := ae.Message.EN
	if ae.Message.ZH != "" {
		msg += " (" + ae.Message.ZH + ")"
	}
	for _, f := range ae.Fields {
		msg += fmt.Sprintf("; %s: %s", f.Field, f.Message.EN)
		if f.Message.ZH != "" && f.Message.ZH != f.Message.EN {
			msg += " (" + f.Message.ZH + ")"
		}
	}
	if ae.Code == app.CodeInternal && ae.Err != nil {
		msg += ": " + ae.Err.Error()
	}
	return fmt.Errorf("%s", msg)
}
