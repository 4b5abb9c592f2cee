package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// Sink stores one order and reports whether it was new.
type Sink func(ctx context.Context, in app.OrderInput) (created bool, err error)

// AppSink stores orders with the application's UpsertOrder as principal p, the same
// command POST /api/v1/orders runs.
func AppSink(a *app.App, p app.Principal) Sink {
	return func(ctx context.Context, in app.OrderInput) (bool, error) {
		r, err := a.UpsertOrder(ctx, p, in, nil)
		return r.Status == http.StatusCreated, err
	}
}

// Progress is how far an import has come.
type Progress struct {
	Rows     int     // data rows read
	Orders   int     // orders stored
	Events   int     // carrier events stored, duplicates not counted (ImportShipmentEvents)
	Skipped  int     // orders skipped for problems (rows, for ImportShipmentEvents)
	Fraction float64 // part of the file read, 0–1, or -1 when unknown
	Elapsed  time.Duration
	Done     bool // the last report
}

// Rejected is an order that was not imported, with the problem of each bad row.
type Rejected struct {
	OrderNo  string
	Rows     []int
	Problems []Problem
}

// Summary is the outcome of an import.
type Summary struct {
	Format        Format
	Rows          int // data rows read
	Orders        int // orders stored: Created + Updated
	Created       int
	Updated       int
	SkippedOrders int
	SkippedRows   int        // rows of skipped orders, good and bad
	Rejected      []Rejected // the first MaxRejected skipped orders
	Unlisted      int        // skipped orders beyond MaxRejected
	Ignored       []string   // header cells that name no column
	Elapsed       time.Duration
}

// OK reports whether every row was imported.
func (s *Summary) OK() bool { return s.SkippedOrders == 0 }

// ImportOptions adjust Import.
type ImportOptions struct {
	// Progress, when set, is called at most every Interval and once at the end.
	Progress func(Progress)
	// Interval between Progress calls; 100ms when 0.
	Interval time.Duration
	// MaxRejected is how many skipped orders (rows of carrier events) the Summary lists;
	// 1000 when 0.
	MaxRejected int
	// Batch is how many carrier events ImportShipmentEvents sends to the application at
	// once; app.MaxShipmentEvents when 0 or more than that.
	Batch int
}

// Import reads every order of r and stores the good ones with sink. An order the
// application refuses (invalid, forbidden, conflicting) is skipped and reported like a bad
// row; an internal error — the store is down — or a cancelled ctx stops the import and is
// returned with the summary of what was done.
func Import(ctx context.Context, r *Reader, sink Sink, opts ImportOptions) (Summary, error) {
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.MaxRejected <= 0 {
		opts.MaxRejected = 1000
	}
	start := time.Now()
	s := Summary{Format: r.Format(), Ignored: r.Ignored()}
	var lastReport time.Time
	report := func(done bool) {
		s.Rows, s.Elapsed = r.Rows(), time.Since(start)
		if opts.Progress == nil || !done && time.Since(lastReport) < opts.Interval {
			return
		}
		lastReport = time.Now()
		frac := r.Progress()
		if done && frac >= 0 {
			frac = 1
		}
		opts.Progress(Progress{Rows: s.Rows, Orders: s.Orders, Skipped: s.SkippedOrders, Fraction: frac, Elapsed: s.Elapsed, Done: done})
	}
	reject := func(o *Order) {
		s.SkippedOrders++
		s.SkippedRows += len(o.Rows)
		if len(s.Rejected) < opts.MaxRejected {
			s.Rejected = append(s.Rejected, Rejected{OrderNo: o.Input.OrderNo, Rows: o.Rows, Problems: o.Problems})
		} else {
			s.Unlisted++
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			report(true)
			return s, err
		}
		o, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			report(true)
			return s, err
		}
		if !o.OK() {
			reject(o)
			report(false)
			continue
		}
		created, err := sink(ctx, o.Input)
		switch code := app.ErrorCode(err); {
		case err == nil && created:
			s.Created++
		case err == nil:
			s.Updated++
		case code == app.CodeInternal || code == app.CodeUnauthorized || ctx.Err() != nil:
			report(true)
			return s, fmt.Errorf("order %s (row %d): %w", o.Input.OrderNo, o.Rows[0], err)
		default:
			o.Problems = problemsOf(err, o.Rows)
			reject(o)
		}
		s.Orders = s.Created + s.Updated
		report(false)
	}
	report(true)
	return s, nil
}
