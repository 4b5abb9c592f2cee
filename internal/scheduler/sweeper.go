package scheduler

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Sweeper runs a clean-up now and then — today the uploads that no case claimed
// (app.App.SweepUploads) — on every replica. The work itself must be safe to run on
// several replicas at once (the database decides which replica deletes a row); the sweeper
// only spreads the runs: one at start, then one every Interval give or take a tenth, so
// that replicas started together do not sweep in step.
type Sweeper struct {
	cfg SweeperConfig
}

// SweeperConfig configures a Sweeper.
type SweeperConfig struct {
	// Sweep is the clean-up. An error is logged; the next run comes as planned.
	Sweep func(ctx context.Context) error
	// Interval between runs (10 minutes).
	Interval time.Duration
	Logger   *slog.Logger
}

// NewSweeper returns a Sweeper; Run starts it.
func NewSweeper(cfg SweeperConfig) *Sweeper {
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Sweeper{cfg: cfg}
}

// Run sweeps at once, then every Interval, until ctx ends.
func (s *Sweeper) Run(ctx context.Context) {
	for {
		if err := s.cfg.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("sweeper", "err", err)
		}
		spread := s.cfg.Interval / 10
		wait := s.cfg.Interval - spread + rand.N(2*spread+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
