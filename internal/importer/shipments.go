package importer

// Carrier events. A file of carrier events — a carrier's export, or a shop system's — has
// one row per event and a header row that names the columns, in English or Chinese and in
// any order:
//
//	carrier 承运商      tracking_no 运单号   event_id 事件编号   status 状态
//	at 时间             location 地点        detail 说明         reason 原因
//
// Required: carrier, tracking_no, event_id, status, at. status is what the API takes —
// picked_up, in_transit, out_for_delivery, delivered, exception, returned_to_sender, lost —
// or its Chinese label (已揽收, 运输中, 派送中, 已签收, 异常, 已退回寄件人, 已丢失). at is read as
// the order import reads times: RFC 3339, wall-clock "2025-06-18 20:30:00" in
// Asia/Shanghai, or a date cell. reason is a carrier's code for an exception
// (wrong_address, refused, damaged …).
//
// Each row is checked as the application checks an event (logistics.Check), so that a bad
// row is reported with its row number and reasons and skipped while the good ones are
// stored, in batches of up to app.MaxShipmentEvents through RecordShipmentEvents. An event
// received before (same carrier and event id, from this file or earlier) is a duplicate:
// counted, not an error. Should the application still refuse a batch, its events are sent
// one by one, so that only the rows it refuses are skipped.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/text"
)

// eventColumn is a field of a carrier-event file (an index into eventColumns).
type eventColumn int

const (
	ecCarrier eventColumn = iota
	ecTrackingNo
	ecEventID
	ecStatus
	ecAt
	ecLocation
	ecDetail
	ecReason
	numEventColumns
)

var eventColumnInfo = [numEventColumns]columnInfo{
	ecCarrier:    {"carrier", "承运商", true, false},
	ecTrackingNo: {"tracking_no", "运单号", true, false},
	ecEventID:    {"event_id", "事件编号", true, false},
	ecStatus:     {"status", "状态", true, false},
	ecAt:         {"at", "时间", true, false},
	ecLocation:   {"location", "地点", false, false},
	ecDetail:     {"detail", "说明", false, false},
	ecReason:     {"reason", "原因", false, false},
}

// eventColumns are the columns of a carrier-event file.
var eventColumns = newColumnSet(eventColumnInfo[:])

func (c eventColumn) String() string { return eventColumnInfo[c].name }

// ShipmentEventRow is a carrier event read from one row. A row with Problems must not be
// imported.
type ShipmentEventRow struct {
	Row      int
	Input    app.ShipmentEventInput
	Problems []Problem
}

// OK reports whether the row has no problems.
func (e *ShipmentEventRow) OK() bool { return len(e.Problems) == 0 }

// ShipmentEventReader reads carrier events from a file, one row per Next.
type ShipmentEventReader struct {
	table
	done bool
}

// NewShipmentEventCSV returns a ShipmentEventReader of a CSV file (encodings as NewCSV).
// It reads the header row at once.
func NewShipmentEventCSV(r io.Reader, opts Options) (*ShipmentEventReader, error) {
	src, err := newCSVSource(r, opts.Size)
	if err != nil {
		return nil, err
	}
	return newShipmentEventReader(src, CSV, opts)
}

// NewShipmentEventXLSX returns a ShipmentEventReader of an XLSX workbook's sheet.
func NewShipmentEventXLSX(r io.Reader, opts Options) (*ShipmentEventReader, error) {
	src, err := newXLSXSource(r, opts.Sheet)
	if err != nil {
		return nil, err
	}
	return newShipmentEventReader(src, XLSX, opts)
}

// OpenShipmentEvents opens a carrier-event file, telling CSV from XLSX as Open does. The
// reader closes the file.
func OpenShipmentEvents(path string, opts Options) (*ShipmentEventReader, error) {
	r := &ShipmentEventReader{}
	if err := r.open(path, eventColumns, opts); err != nil {
		return nil, err
	}
	return r, nil
}

func newShipmentEventReader(src source, format Format, opts Options) (*ShipmentEventReader, error) {
	r := &ShipmentEventReader{}
	if err := r.init(src, format, eventColumns, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// Next returns the event of the next row, or io.EOF after the last. A row with Problems
// must be skipped; any other error means the file cannot be read on.
func (r *ShipmentEventReader) Next() (*ShipmentEventRow, error) {
	if r.done {
		return nil, io.EOF
	}
	raw, err := r.next()
	if errors.Is(err, io.EOF) {
		r.done = true
		return nil, io.EOF
	} else if err != nil {
		return nil, err
	}
	get := func(c eventColumn) string { return r.layout.at(raw.cells, int(c)) }
	if raw.err != "" {
		// What could be read names the event in the list of skipped rows.
		return &ShipmentEventRow{Row: raw.row, Problems: []Problem{{Row: raw.row, Message: raw.err}},
			Input: app.ShipmentEventInput{Carrier: get(ecCarrier), TrackingNo: get(ecTrackingNo), EventID: get(ecEventID)}}, nil
	}
	return parseShipmentRow(raw.row, get, r.loc, r.format == XLSX, r.date1904), nil
}

// parseShipmentRow reads the event of one row (get returns a column's trimmed cell) and
// checks it as the application will, collecting every problem.
func parseShipmentRow(row int, get func(eventColumn) string, loc *time.Location, sheet, date1904 bool) *ShipmentEventRow {
	e := &ShipmentEventRow{Row: row}
	reported := map[string]bool{}
	bad := func(c eventColumn, format string, args ...any) {
		reported[c.String()] = true
		e.Problems = append(e.Problems, Problem{Row: row, Column: c.String(), Message: fmt.Sprintf(format, args...)})
	}
	in := &e.Input
	in.Carrier, in.TrackingNo, in.EventID = get(ecCarrier), get(ecTrackingNo), get(ecEventID)
	in.Location, in.Detail, in.Reason = get(ecLocation), get(ecDetail), get(ecReason)
	if sheet {
		in.TrackingNo, in.EventID = sheetCode(in.TrackingNo), sheetCode(in.EventID)
	}
	for _, c := range []eventColumn{ecCarrier, ecTrackingNo, ecEventID, ecStatus, ecAt} {
		if get(c) == "" {
			bad(c, "is empty")
		}
	}
	if v := get(ecStatus); v != "" {
		if st, err := parseStatus(v); err != nil {
			bad(ecStatus, "%v", err)
		} else {
			in.Status = string(st)
		}
	}
	if v := get(ecAt); v != "" {
		if t, err := parseTime(v, loc, sheet, date1904); err != nil {
			bad(ecAt, "%v", err)
		} else {
			in.At = t
		}
	}
	// What the application would refuse is found here already. Its check stops at the
	// first bad field; each is set aside in turn so that every one is reported.
	ev := logistics.Event{Carrier: in.Carrier, TrackingNo: in.TrackingNo, EventID: in.EventID, Status: logistics.Status(in.Status),
		At: in.At, Location: text.Clean(in.Location), Detail: text.Clean(in.Detail), Reason: in.Reason}
	for range numEventColumns {
		_, err := logistics.Check(ev)
		if err == nil {
			break
		}
		var fe *logistics.FieldError
		if !errors.As(err, &fe) {
			e.Problems = append(e.Problems, Problem{Row: row, Message: err.Error()})
			break
		}
		if !reported[fe.Field] {
			reported[fe.Field] = true
			p := Problem{Row: row, Column: fe.Field, Message: fe.Message.EN}
			if v := fieldValue(in, fe.Field); v != "" && utf8.RuneCountInString(v) <= 60 {
				p.Message = fmt.Sprintf("%q: %s", v, p.Message)
			}
			e.Problems = append(e.Problems, p)
		}
		if !setAside(&ev, fe.Field) {
			break
		}
	}
	return e
}

// fieldValue is the value of an event's field as read, for messages.
func fieldValue(in *app.ShipmentEventInput, field string) string {
	switch field {
	case "carrier":
		return in.Carrier
	case "tracking_no":
		return in.TrackingNo
	case "event_id":
		return in.EventID
	case "reason":
		return in.Reason
	}
	return ""
}

// setAside gives a field of ev a value logistics.Check accepts; false for a field it does
// not know.
func setAside(ev *logistics.Event, field string) bool {
	switch field {
	case "carrier":
		ev.Carrier = "x"
	case "tracking_no":
		ev.TrackingNo = "XXXXXX"
	case "event_id":
		ev.EventID = "x"
	case "status":
		ev.Status = logistics.PickedUp
	case "at":
		ev.At = time.Unix(1, 0)
	case "location":
		ev.Location = ""
	case "detail":
		ev.Detail = ""
	case "reason":
		ev.Reason = ""
	default:
		return false
	}
	return true
}

// statusByName finds a status by what the API takes, its Chinese label or its English
// label ("Out for delivery"), folded by foldStatus.
var statusByName = func() map[string]logistics.Status {
	m := map[string]logistics.Status{}
	for _, s := range logistics.Statuses {
		m[foldStatus(string(s))] = s
		m[foldStatus(s.Label().ZH)] = s
		m[foldStatus(s.Label().EN)] = s
	}
	return m
}()

func foldStatus(s string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// statusHelp lists the statuses a file may give, for messages.
var statusHelp = func() string {
	en, zh := make([]string, len(logistics.Statuses)), make([]string, len(logistics.Statuses))
	for i, s := range logistics.Statuses {
		en[i], zh[i] = string(s), s.Label().ZH
	}
	return strings.Join(en, ", ") + " (" + strings.Join(zh, ", ") + ")"
}()

func parseStatus(s string) (logistics.Status, error) {
	if st, ok := statusByName[foldStatus(s)]; ok {
		return st, nil
	}
	return "", fmt.Errorf("%q is not a carrier status: write one of %s", s, statusHelp)
}

var scientific = regexp.MustCompile(`^[1-9]\.\d+[eE]\+\d+$`)

// sheetCode reads back a code — a tracking number, an event id — that a spreadsheet keeps
// as a number cell too long to store as written (7.73012345678901E+14); anything else is
// left as it is.
func sheetCode(s string) string {
	if !scientific.MatchString(s) {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f >= 1e21 {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ShipmentEventSink stores a batch of carrier events (at most app.MaxShipmentEvents) at
// once, all or none, and says what became of each, in order.
type ShipmentEventSink func(ctx context.Context, in []app.ShipmentEventInput) ([]app.ShipmentEventResult, error)

// AppShipmentEventSink stores carrier events with the application's RecordShipmentEvents
// as principal p, the same command POST /api/v1/shipments/events runs.
func AppShipmentEventSink(a *app.App, p app.Principal) ShipmentEventSink {
	return func(ctx context.Context, in []app.ShipmentEventInput) ([]app.ShipmentEventResult, error) {
		r, err := a.RecordShipmentEvents(ctx, p, in, nil)
		if err != nil {
			return nil, err
		}
		if r.Value == nil {
			return nil, errors.New("the application answered no events")
		}
		return r.Value.Events, nil
	}
}

// RejectedRow is a row of carrier events that was not imported, with its problems.
type RejectedRow struct {
	Row        int
	Carrier    string
	TrackingNo string
	EventID    string
	Problems   []Problem
}

// ShipmentEventSummary is the outcome of a carrier-event import.
type ShipmentEventSummary struct {
	Format      Format
	Rows        int // data rows read
	Events      int // events stored
	Matched     int // of the events stored, those of a parcel a case has shipped
	Duplicates  int // events received before (same carrier and event id): nothing changed
	SkippedRows int
	Rejected    []RejectedRow // the first MaxRejected rows found bad, in row order
	Unlisted    int           // skipped rows beyond MaxRejected
	Ignored     []string      // header cells that name no column
	Elapsed     time.Duration
}

// OK reports whether every row was imported (a duplicate counts as imported).
func (s *ShipmentEventSummary) OK() bool { return s.SkippedRows == 0 }

var eventField = regexp.MustCompile(`^events\[(\d+)\]\.(\w+)$`)

// ImportShipmentEvents reads every row of r and stores the good events with sink, in
// batches of opts.Batch. A bad row is skipped and reported; a batch the application
// refuses is sent again one event at a time, so that only the events it refuses are
// skipped and reported like bad rows. An internal error — the store is down — or a
// cancelled ctx stops the import and is returned with the summary of what was done.
func ImportShipmentEvents(ctx context.Context, r *ShipmentEventReader, sink ShipmentEventSink, opts ImportOptions) (ShipmentEventSummary, error) {
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.MaxRejected <= 0 {
		opts.MaxRejected = 1000
	}
	if opts.Batch <= 0 || opts.Batch > app.MaxShipmentEvents {
		opts.Batch = app.MaxShipmentEvents
	}
	start := time.Now()
	s := ShipmentEventSummary{Format: r.Format(), Ignored: r.Ignored()}
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
		opts.Progress(Progress{Rows: s.Rows, Events: s.Events, Skipped: s.SkippedRows, Fraction: frac, Elapsed: s.Elapsed, Done: done})
	}
	// finish ends the import: the rows the application refused came after the bad rows
	// read meanwhile, and are listed in their place.
	finish := func(err error) (ShipmentEventSummary, error) {
		report(true)
		slices.SortStableFunc(s.Rejected, func(a, b RejectedRow) int { return cmp.Compare(a.Row, b.Row) })
		return s, err
	}
	reject := func(e *ShipmentEventRow) {
		s.SkippedRows++
		if len(s.Rejected) < opts.MaxRejected {
			s.Rejected = append(s.Rejected, RejectedRow{Row: e.Row, Carrier: e.Input.Carrier, TrackingNo: e.Input.TrackingNo,
				EventID: e.Input.EventID, Problems: e.Problems})
		} else {
			s.Unlisted++
		}
	}
	// send stores rows in one call: a nil error, a refusal (returned with refused set) or
	// an error that stops the import.
	send := func(rows []*ShipmentEventRow) (refused bool, err error) {
		in := make([]app.ShipmentEventInput, len(rows))
		for i, e := range rows {
			in[i] = e.Input
		}
		res, err := sink(ctx, in)
		switch code := app.ErrorCode(err); {
		case err == nil && len(res) != len(rows):
			return false, fmt.Errorf("%s: the application answered %d events for %d", spanOf(rows), len(res), len(rows))
		case err == nil:
			for _, x := range res {
				if x.Duplicate {
					s.Duplicates++
					continue
				}
				s.Events++
				if x.Matched {
					s.Matched++
				}
			}
			return false, nil
		case code == app.CodeInternal || code == app.CodeUnauthorized || ctx.Err() != nil:
			return false, fmt.Errorf("%s: %w", spanOf(rows), err)
		}
		return true, err
	}
	var batch []*ShipmentEventRow
	flush := func() error {
		defer func() { batch = batch[:0] }()
		if len(batch) == 0 {
			return nil
		}
		refused, err := send(batch)
		if !refused {
			return err
		}
		if len(batch) == 1 {
			batch[0].Problems = fieldProblems(err, []int{batch[0].Row}, eventField)
			reject(batch[0])
			return nil
		}
		for _, e := range batch {
			refused, err := send([]*ShipmentEventRow{e})
			if refused {
				e.Problems = fieldProblems(err, []int{e.Row}, eventField)
				reject(e)
			} else if err != nil {
				return err
			}
			report(false)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return finish(err)
		}
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			// What was read before is stored, as an order import stores it as it goes.
			if ferr := flush(); ferr != nil {
				err = errors.Join(err, ferr)
			}
			return finish(err)
		}
		if !e.OK() {
			reject(e)
		} else if batch = append(batch, e); len(batch) >= opts.Batch {
			if err := flush(); err != nil {
				return finish(err)
			}
		}
		report(false)
	}
	return finish(flush())
}

// spanOf names the rows of a batch for an error message.
func spanOf(rows []*ShipmentEventRow) string {
	if len(rows) == 1 {
		return fmt.Sprintf("the event of row %d", rows[0].Row)
	}
	return fmt.Sprintf("the events of rows %d–%d", rows[0].Row, rows[len(rows)-1].Row)
}
