package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/scheduler"
)

// The sweeper runs at once, again after each interval (a failed run does not stop it), and
// stops with its context.
func TestSweeperRunsAtOnceAndThenEveryInterval(t *testing.T) {
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	s := scheduler.NewSweeper(scheduler.SweeperConfig{Interval: 20 * time.Millisecond, Sweep: func(context.Context) error {
		if runs.Add(1) == 2 {
			return errors.New("the database is away")
		}
		return nil
	}})
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the sweeper did not stop with its context")
	}
	if n := runs.Load(); n < 4 {
		t.Fatalf("%d sweeps in 5 s at an interval of 20 ms", n)
	}
}
