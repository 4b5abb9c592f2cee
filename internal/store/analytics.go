package store

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/ledger"
)

// Analytics is the part of a transaction that keeps the reports' aggregates (package
// analytics decides what they hold):
//
//   - Cells: the sum of one metric's facts for one merchant, one day and one key of one
//     dimension (report_cells). Reports read only cells, never cases.
//   - Contributions: what each source record (a case, an order, a complaint, a quality
//     review) last added to the cells, as the facts package analytics derived from it
//     (report_contributions), so that a change to the record adds only the difference.
//   - Dirty marks: records changed since they were last folded into the cells
//     (report_dirty). The stores mark them themselves, in the transaction of the change,
//     so that no write can forget it:
//     InsertCase, UpdateCase, AppendEvent → ("case", case id);
//     AddMessage → ("case", m.CaseID);
//     InsertSurvey → ("case", s.CaseID);
//     InsertDispute, UpdateDispute → ("case", d.CaseID);
//     InsertEntries, UpdateEntry → ("case", e.CaseID) when the entry has one;
//     UpsertOrder → ("order", o.No);
//     InsertComplaint, UpdateComplaint → ("complaint", c.ID);
//     InsertReview, UpdateReview → ("review", r.ID).
//     A mark on a record already marked bumps its Seq; a record waits to be folded
//     while its Seq is past the one its last fold covered.
//
// The folder (app.FoldReports) reads a batch of marks and derives each record's facts
// again in a read transaction, then, in a short write transaction, claims the marks
// still as it read them, adds the differences to the cells, stores the new
// contributions and clears the marks: the cells are exact whenever no mark waits.
type Analytics interface {
	// MarkDirty marks records as changed (see above; the stores call it themselves, and a
	// rebuild calls it for every record).
	MarkDirty(ctx context.Context, marks ...DirtyMark) error
	// DirtyMarks claims up to limit marks waiting, oldest first (by the time of their first
	// mark since the last fold, then kind and id). On PostgreSQL the claimed rows are locked until the transaction
	// ends and rows locked by another transaction are skipped (FOR UPDATE SKIP LOCKED), so
	// that two folders never fold the same record at once.
	DirtyMarks(ctx context.Context, limit int) ([]DirtyMark, error)
	// ClaimDirty claims those of marks (read earlier, e.g. by DirtyMarks in a View) that
	// still wait at the Seq they were read at, and returns them in kind and id order. A
	// record's Seq only grows (a folded mark is kept, see ClearDirty), so a mark marked
	// again, or folded, since it was read is never claimed. On PostgreSQL the claimed rows
	// are locked until the transaction ends and rows locked by another transaction are
	// skipped, as DirtyMarks does. A folder can so work out facts outside its writing
	// transaction and claim only the marks they are still true of.
	ClaimDirty(ctx context.Context, marks ...DirtyMark) ([]DirtyMark, error)
	// ClearDirty records these marks as folded, each only if its Seq is still the stored
	// one (a record marked again since it was claimed stays waiting). The mark is kept,
	// not waiting, so that the record's Seq goes on from it.
	ClearDirty(ctx context.Context, marks ...DirtyMark) error
	// CountDirty returns how many marks wait.
	CountDirty(ctx context.Context) (int, error)

	// Contributions returns what each of the records of a kind named by ids last added to
	// the cells (package analytics' facts as JSON, byte for byte), by id; a record that
	// added nothing yet is absent.
	Contributions(ctx context.Context, kind string, ids []string) (map[string][]byte, error)
	// PutContribution stores what a record now adds; nil or empty facts delete it.
	PutContribution(ctx context.Context, kind, id string, facts []byte) error
	// CaseSources returns, by case id, everything the facts of each of the cases ids
	// depend on (CaseSource); a case that does not exist is absent. What the folder reads
	// for a batch of dirty cases: a few statements however many cases (one round trip on
	// PostgreSQL), where reading each case's parts one by one took nine a case.
	CaseSources(ctx context.Context, ids []string) (map[string]*CaseSource, error)

	// AddCells adds each cell's N and Sum to the stored cell of the same key (Merchant,
	// Dim, K1, K2, Day, Metric), creating it when missing. Cells with the same key may
	// repeat. To avoid deadlocks between folders the stores write them in key order.
	AddCells(ctx context.Context, cells []Cell) error
	// QueryCells sums cells: those of q.Dim whose Day lies in [q.From, q.To] (inclusive;
	// days as YYYY-MM-DD), whose Metric is one of q.Metrics, and — each when not "" —
	// whose Merchant, K1 and K2 equal q's. Merchants narrows to any of these merchants
	// (nil: no restriction; empty: none). The result has one CellSum per Metric and
	// distinct combination of the columns named in q.By ("day", "merchant", "k1", "k2";
	// none: one sum per metric); a column not grouped by is "" in the result. Order: by
	// the grouped columns, then metric.
	QueryCells(ctx context.Context, q CellQuery) ([]CellSum, error)
	// AllCells returns every cell whose N or Sum is not 0, ordered by key (Merchant, Dim,
	// K1, K2, Day, Metric): what a rebuild compares.
	AllCells(ctx context.Context) ([]Cell, error)
	// ResetReports deletes all cells and contributions and leaves no mark waiting (a
	// rebuild then marks every record); no mark read before it can be claimed after it.
	ResetReports(ctx context.Context) error
	// SourceKeys returns the ids of every record of a kind ("case", "order", "complaint",
	// "review") after the id after (""), in id order, at most limit: what a rebuild marks.
	SourceKeys(ctx context.Context, kind, after string, limit int) ([]string, error)
}

// CaseSource is what a case's report facts are derived from, as stored.
type CaseSource struct {
	Case aftersale.Case
	// Categories are the case's order's lines' categories by SKU (empty when the order
	// has no lines).
	Categories map[string]string
	Events     []aftersale.Event // by seq
	Messages   []CaseMessage     // the public ones (no internal notes), by seq
	Survey     *Survey           // nil when the customer gave none
	Disputes   []dispute.Dispute // oldest first (as CaseDisputes)
	Entries    []ledger.Entry    // oldest first (as CaseEntries)
	// Complaints are those about the case's agent (About agent), most recently updated
	// first (as ListComplaints).
	Complaints []complaint.Complaint
}

// DirtyMark names a record whose facts must be folded into the cells again.
type DirtyMark struct {
	Kind string // case | order | complaint | review
	ID   string // the case id, order number, complaint id or review id
	Seq  int64  // bumped by every mark; set by DirtyMarks
}

// Cell is one aggregate: the sum of one metric's facts (N of them counted, Sum of their
// values) for a merchant, a day (YYYY-MM-DD, China Standard Time) and one key of one
// dimension ("all" with K1 = K2 = "", or e.g. "category" with K1 the category, or
// "category/reason" with K1 the category and K2 the reason).
type Cell struct {
	Merchant string
	Dim      string
	K1, K2   string
	Day      string
	Metric   string
	N, Sum   int64
}

// CellQuery selects and groups cells (see Analytics.QueryCells).
type CellQuery struct {
	Dim       string
	Merchant  string
	Merchants []string
	K1, K2    string
	From, To  string
	Metrics   []string
	By        []string // of "day", "merchant", "k1", "k2"
}

// CellSum is the sum of the cells of one group and metric.
type CellSum struct {
	Day, Merchant, K1, K2 string
	Metric                string
	N, Sum                int64
}

// Reporting is the part of a transaction that keeps scheduled reports and the merchants'
// monthly scorecards.
type Reporting interface {
	// InsertSchedule stores a scheduled report. ErrConflict when its id exists.
	InsertSchedule(ctx context.Context, s ReportSchedule) error
	// UpdateSchedule replaces a schedule (by id). ErrNotFound.
	UpdateSchedule(ctx context.Context, s ReportSchedule) error
	// DeleteSchedule removes a schedule. ErrNotFound.
	DeleteSchedule(ctx context.Context, id string) error
	// Schedule returns a schedule. ErrNotFound.
	Schedule(ctx context.Context, id string) (ReportSchedule, error)
	// ListSchedules returns the schedules, of one merchant when merchant is not "" (""
	// returns all, the platform's and every merchant's), ordered by id.
	ListSchedules(ctx context.Context, merchant string) ([]ReportSchedule, error)
	// DueSchedules returns up to limit schedules whose NextAt is at or before now, the
	// earliest first. On PostgreSQL they are locked (FOR UPDATE SKIP LOCKED) until the
	// transaction ends, so that two replicas never send one twice.
	DueSchedules(ctx context.Context, now time.Time, limit int) ([]ReportSchedule, error)

	// ScorecardRules returns the stored scorecard rules (analytics.ScorecardRules as JSON,
	// byte for byte) and their version. ErrNotFound when none were saved.
	ScorecardRules(ctx context.Context) (body []byte, version int, err error)
	// SaveScorecardRules stores the rules as version: ErrConflict unless the stored version
	// is version-1 (none stored counts as 0).
	SaveScorecardRules(ctx context.Context, body []byte, version int) error

	// PutScorecard stores (or replaces) a merchant's scorecard of a month.
	PutScorecard(ctx context.Context, s Scorecard) error
	// Scorecards returns the scorecards of a month ("YYYY-MM"), of one merchant when
	// merchant is not "", ordered by score descending, then merchant.
	Scorecards(ctx context.Context, month, merchant string) ([]Scorecard, error)
	// LatestScorecard returns a merchant's scorecard of the latest month before month
	// (exclusive; "" any month). ErrNotFound when it has none.
	LatestScorecard(ctx context.Context, merchant, before string) (Scorecard, error)
}

// ReportSchedule is a report sent by itself, daily or weekly, by email or webhook.
type ReportSchedule struct {
	ID        string
	Merchant  string // "" the platform's (any merchant's data the owner may read)
	Owner     string // the staff username who created it; the report runs with their rights
	Report    string // a report name (return_rate, reasons, …)
	Params    []byte // the report's query as JSON (group_by, merchant, category, sku, compare)
	Frequency string // daily | weekly
	Channel   string // email | webhook
	Target    string // an email address or a webhook URL
	Secret    string // signs webhook deliveries (X-Aftersales-Signature); "" for email
	Format    string // csv | xlsx (email); webhooks receive JSON
	Lang      string // zh | en
	NextAt    time.Time
	LastAt    time.Time // zero until sent once
	LastError string
	CreatedAt time.Time
}

// Scorecard is a merchant's score of one month: the figures behind it and the tier.
type Scorecard struct {
	Merchant   string
	Month      string  // YYYY-MM
	Score      float64 // 0–100
	Tier       string  // a tier code of the scorecard rules (e.g. excellent, good, improve)
	Figures    []byte  // JSON: each measure's value and points
	ComputedAt time.Time
}
