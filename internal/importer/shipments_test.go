package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/sqlite"
	"github.com/aftersales/aftersales/internal/text"
)

// eventsCSV has, in a Chinese header with the columns in another order and one unknown
// column: three good events, a duplicate of the first (the carrier's code in another
// case), a row with an unknown status and a row with a short tracking number and a time
// that is not one.
const eventsCSV = "运单号,承运商,事件编号,状态,时间,地点,说明,原因,备注\n" +
	"SF1000000001,SF,E1,已揽收,2025-06-18 20:30:00,深圳,收件,,x\n" + // row 2
	"sf1000000001,sf,E2,in_transit,2025-06-19T08:00:00+08:00,广州,,,\n" + // row 3
	"SF1000000001,sf ,E1,picked_up,2025-06-18 20:30:00,深圳,again,,\n" + // row 4: duplicate of row 2
	"SF1000000001,SF,E3,flying,2025-06-19 09:00:00,,,,\n" + // row 5: bad status
	"\n" +
	"AB,SF,E4,delivered,yesterday,,,,\n" + // row 7: bad tracking number and time
	"YT2000000002,yto,Y1,Out for delivery,2025/6/20 9:05,上海,,,\n" // row 8

// memoryEvents is a realistic stand-in for the application's RecordShipmentEvents: it
// checks every event as the application does and refuses the whole batch for the first bad
// one (naming it events[i].field), stores each carrier and event id once, and refuses a
// batch with a parcel listed in notFound as the application refuses a merchant's
// integration a parcel of no case of that merchant.
type memoryEvents struct {
	stored   map[[2]string]app.ShipmentEventInput
	notFound map[string]bool
	calls    []int // batch sizes
	fail     error // returned by every call when set
}

func newMemoryEvents() *memoryEvents {
	return &memoryEvents{stored: map[[2]string]app.ShipmentEventInput{}, notFound: map[string]bool{}}
}

func (m *memoryEvents) record(_ context.Context, in []app.ShipmentEventInput) ([]app.ShipmentEventResult, error) {
	m.calls = append(m.calls, len(in))
	if m.fail != nil {
		return nil, m.fail
	}
	if len(in) == 0 || len(in) > app.MaxShipmentEvents {
		return nil, &app.Error{Code: app.CodeInvalid, Fields: []app.FieldError{{Field: "events"}}}
	}
	evs := make([]logistics.Event, len(in))
	for i, x := range in {
		ev, err := logistics.Check(logistics.Event{Carrier: x.Carrier, TrackingNo: x.TrackingNo, EventID: x.EventID,
			Status: logistics.Status(x.Status), At: x.At, Location: text.Clean(x.Location), Detail: text.Clean(x.Detail), Reason: x.Reason})
		if err != nil {
			var fe *logistics.FieldError
			errors.As(err, &fe)
			field := fe.Field
			if len(in) > 1 {
				field = fmt.Sprintf("events[%d].%s", i, fe.Field)
			}
			return nil, &app.Error{Code: app.CodeInvalid, Message: app.Text{EN: "the request has invalid fields"},
				Fields: []app.FieldError{{Field: field, Message: fe.Message}}}
		}
		if m.notFound[ev.TrackingNo] {
			return nil, &app.Error{Code: app.CodeNotFound, Message: app.Text{EN: fmt.Sprintf("shipment %s %s not found", ev.Carrier, ev.TrackingNo)}}
		}
		evs[i] = ev
	}
	out := make([]app.ShipmentEventResult, len(evs))
	for i, ev := range evs {
		key := [2]string{ev.Carrier, ev.EventID}
		_, dup := m.stored[key]
		if !dup {
			m.stored[key] = in[i]
		}
		out[i] = app.ShipmentEventResult{Carrier: ev.Carrier, TrackingNo: ev.TrackingNo, EventID: ev.EventID, Duplicate: dup, Status: string(ev.Status)}
	}
	return out, nil
}

// problemLines are the problems of the skipped rows, as printed.
func problemLines(s *ShipmentEventSummary) []string {
	var out []string
	for _, r := range s.Rejected {
		for _, p := range r.Problems {
			out = append(out, p.String())
		}
	}
	return out
}

func wantProblems(t *testing.T, s *ShipmentEventSummary, want ...string) {
	t.Helper()
	got := problemLines(s)
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want %q…", i, got[i], want[i])
		}
	}
}

func TestReadsShipmentEventRows(t *testing.T) {
	r, err := NewShipmentEventCSV(strings.NewReader(eventsCSV), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Ignored(); !slices.Equal(got, []string{"备注"}) {
		t.Errorf("Ignored() = %q", got)
	}
	var rows []*ShipmentEventRow
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, e)
	}
	if len(rows) != 6 || r.Rows() != 6 {
		t.Fatalf("read %d rows (Rows() %d), want 6", len(rows), r.Rows())
	}
	want := app.ShipmentEventInput{Carrier: "SF", TrackingNo: "SF1000000001", EventID: "E1", Status: "picked_up",
		At: at("2025-06-18 20:30:00"), Location: "深圳", Detail: "收件"}
	if got := rows[0].Input; !rows[0].OK() || rows[0].Row != 2 || got != want {
		t.Errorf("row 2 = %+v %v\nwant %+v", got, rows[0].Problems, want)
	}
	if got := rows[5].Input; rows[5].Row != 8 || got.Status != "out_for_delivery" || !got.At.Equal(at("2025-06-20 09:05:00")) {
		t.Errorf("row 8 = %+v", got)
	}
	if rows[4].Row != 7 || len(rows[4].Problems) != 2 || rows[4].Problems[0].Column != "at" || rows[4].Problems[1].Column != "tracking_no" {
		t.Errorf("row 7 problems = %v", rows[4].Problems)
	}
}

func TestImportShipmentEventsStoresGoodRowsAndReportsBadOnes(t *testing.T) {
	sink := newMemoryEvents()
	r, err := NewShipmentEventCSV(strings.NewReader(eventsCSV), Options{Size: int64(len(eventsCSV))})
	if err != nil {
		t.Fatal(err)
	}
	var reports []Progress
	s, err := ImportShipmentEvents(context.Background(), r, sink.record, ImportOptions{Batch: 2, Progress: func(p Progress) { reports = append(reports, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != CSV || s.Rows != 6 || s.Events != 3 || s.Duplicates != 1 || s.SkippedRows != 2 || s.OK() {
		t.Errorf("summary = %+v", s)
	}
	// Batches of two good rows, the last one alone; the bad rows were never sent.
	if !slices.Equal(sink.calls, []int{2, 2}) {
		t.Errorf("batches = %v", sink.calls)
	}
	wantProblems(t, &s,
		`row 5: status: "flying" is not a carrier status: write one of picked_up, in_transit,`,
		`row 7: at: "yesterday" is not a time`,
		`row 7: tracking_no: "AB": the tracking number must be 6–40`,
	)
	if rej := s.Rejected[1]; rej.Row != 7 || rej.Carrier != "SF" || rej.TrackingNo != "AB" || rej.EventID != "E4" {
		t.Errorf("rejected = %+v", rej)
	}
	last := reports[len(reports)-1]
	if !last.Done || last.Rows != 6 || last.Fraction != 1 || last.Events != 3 || last.Skipped != 2 {
		t.Errorf("last progress = %+v", last)
	}
}

func TestImportShipmentEventsSendsARefusedBatchOneByOne(t *testing.T) {
	text := "carrier,tracking_no,event_id,status,at\n" +
		"sf,NOTYOURS0001,B,picked_up,2025-06-18 08:00:00\n" + // row 2: the application refuses it
		"sf,SF0000000001,A,unknown,2025-06-18 08:00:00\n" + // row 3: bad, never sent
		"sf,SF0000000001,A,picked_up,2025-06-18 08:00:00\n" +
		"sf,SF0000000003,C,picked_up,2025-06-18 08:00:00\n" +
		"sf,SF0000000004,D,delivered,2025-06-18 08:00:00\n"
	sink := newMemoryEvents()
	sink.notFound["NOTYOURS0001"] = true
	r, err := NewShipmentEventCSV(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ImportShipmentEvents(context.Background(), r, sink.record, ImportOptions{Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Rows != 5 || s.Events != 3 || s.SkippedRows != 2 || len(sink.stored) != 3 {
		t.Errorf("summary = %+v, stored %d", s, len(sink.stored))
	}
	// The batch of three was refused and sent again one by one; the last row went alone.
	if !slices.Equal(sink.calls, []int{3, 1, 1, 1, 1}) {
		t.Errorf("batches = %v", sink.calls)
	}
	// Listed in row order, though row 3 was found bad before row 2 was refused.
	wantProblems(t, &s, "row 2: shipment sf NOTYOURS0001 not found", `row 3: status: "unknown" is not a carrier status`)
}

func TestImportShipmentEventsMapsTheApplicationsFieldsToRows(t *testing.T) {
	// An application stricter than the client: it refuses any reason code, naming the
	// field as it does for a batch (events[i].reason) and for one event (reason).
	text := "carrier,tracking_no,event_id,status,at,reason\n" +
		"sf,SF0000000001,A,exception,2025-06-18 08:00:00,\n" +
		"sf,SF0000000001,B,exception,2025-06-18 09:00:00,refused\n"
	sink := newMemoryEvents()
	strict := func(ctx context.Context, in []app.ShipmentEventInput) ([]app.ShipmentEventResult, error) {
		for i, x := range in {
			if x.Reason != "" {
				field := "reason"
				if len(in) > 1 {
					field = fmt.Sprintf("events[%d].reason", i)
				}
				return nil, &app.Error{Code: app.CodeInvalid, Fields: []app.FieldError{{Field: field, Message: app.Text{EN: "no reasons today"}}}}
			}
		}
		return sink.record(ctx, in)
	}
	r, err := NewShipmentEventCSV(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ImportShipmentEvents(context.Background(), r, strict, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Events != 1 || s.SkippedRows != 1 {
		t.Errorf("summary = %+v", s)
	}
	wantProblems(t, &s, "row 3: reason: no reasons today")
}

func TestImportShipmentEventsStopsWhenTheStoreFails(t *testing.T) {
	down := errors.New("database is down")
	sink := newMemoryEvents()
	sink.fail = &app.Error{Code: app.CodeInternal, Err: down}
	r, err := NewShipmentEventCSV(strings.NewReader(eventsCSV), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ImportShipmentEvents(context.Background(), r, sink.record, ImportOptions{Batch: 2})
	if !errors.Is(err, down) || len(sink.calls) != 1 || !strings.Contains(err.Error(), "the events of rows 2–3") {
		t.Errorf("err = %v after %d calls", err, len(sink.calls))
	}

	r, _ = NewShipmentEventCSV(strings.NewReader(eventsCSV), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ImportShipmentEvents(ctx, r, newMemoryEvents().record, ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestShipmentEventHeader(t *testing.T) {
	_, err := NewShipmentEventCSV(strings.NewReader("carrier,tracking_no,状态\n"), Options{})
	var he *HeaderError
	if !errors.As(err, &he) || !strings.Contains(he.Message, "missing required columns: event_id (事件编号), at (时间)") {
		t.Errorf("err = %v", err)
	}
	// An order file is not a file of carrier events, nor the other way round.
	if _, err := NewShipmentEventCSV(strings.NewReader(header), Options{}); !errors.As(err, &he) {
		t.Errorf("an order header: %v", err)
	}
	if _, err := NewCSV(strings.NewReader("carrier,tracking_no,event_id,status,at\n"), Options{}); !errors.As(err, &he) {
		t.Errorf("an event header read as orders: %v", err)
	}
}

func TestSheetCode(t *testing.T) {
	for in, want := range map[string]string{
		"7.73012345678901E+14":   "773012345678901",
		"7.7301234567890102E+17": "773012345678901000",
		"1.5E+0":                 "1.5E+0",
		"SF1234567890":           "SF1234567890",
		"1234567890":             "1234567890",
		"1.0":                    "1.0",
	} {
		if got := sheetCode(in); got != want {
			t.Errorf("sheetCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// testApp is the application on a new SQLite store.
func testApp(t *testing.T) *app.App {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	engine, err := policy.New(calendar.Default())
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{Store: db, Engine: engine, Blobs: blobs})
	if err := a.LoadPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	return a
}

var cliImport = app.Principal{Role: app.RoleIntegration, ID: "cli-import"}

func TestImportShipmentEventsIntoTheApplication(t *testing.T) {
	ctx := context.Background()
	a := testApp(t)
	sink := AppShipmentEventSink(a, cliImport)

	r, err := NewShipmentEventCSV(strings.NewReader(eventsCSV), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ImportShipmentEvents(ctx, r, sink, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Rows != 6 || s.Events != 3 || s.Duplicates != 1 || s.Matched != 0 || s.SkippedRows != 2 {
		t.Errorf("CSV summary = %+v", s)
	}
	wantProblems(t, &s, `row 5: status: "flying"`, `row 7: at: "yesterday"`, `row 7: tracking_no: "AB"`)
	v, err := a.GetShipment(ctx, cliImport, "sf", "SF1000000001")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "in_transit" || len(v.Events) != 2 || v.Events[0].EventID != "E1" || v.Events[0].Location != "深圳" || !v.Events[0].At.Equal(at("2025-06-18 20:30:00")) {
		t.Errorf("SF1000000001 = %+v", v)
	}

	// An XLSX sheet: a date cell, a number cell for the event id, a tracking number kept
	// as a long number, an event the CSV brought already, and a bad row.
	data := mustXLSX(t, [][]any{
		{"carrier", "tracking_no", "event_id", "status", "at", "location"},
		{"sf", "SF1000000001", 7, "已签收", time.Date(2025, 6, 20, 15, 4, 5, 0, time.UTC), "深圳"},
		{"yto", "YT2000000002", "Y1", "out_for_delivery", "2025-06-20 09:05:00", nil},
		{"zto", 773012345678901, "Z1", "运输中", "2025-06-19 10:00:00", nil},
		{},
		{"", "ZT0000000000", "Z2", "lost", "2025-06-21 10:00:00", nil},
	})
	x, err := NewShipmentEventXLSX(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	s, err = ImportShipmentEvents(ctx, x, sink, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != XLSX || s.Rows != 4 || s.Events != 2 || s.Duplicates != 1 || s.SkippedRows != 1 {
		t.Errorf("XLSX summary = %+v", s)
	}
	wantProblems(t, &s, "row 6: carrier: is empty")
	if v, err := a.GetShipment(ctx, cliImport, "sf", "SF1000000001"); err != nil || v.Status != "delivered" || len(v.Events) != 3 ||
		v.Events[2].EventID != "7" || !v.Events[2].At.Equal(at("2025-06-20 15:04:05")) {
		t.Errorf("SF1000000001 after the sheet = %+v, %v", v, err)
	}
	if v, err := a.GetShipment(ctx, cliImport, "zto", "773012345678901"); err != nil || v.Status != "in_transit" {
		t.Errorf("773012345678901 = %+v, %v", v, err)
	}
}

func TestImportShipmentEventsAsAMerchantsIntegration(t *testing.T) {
	// A merchant's integration may report events of its own cases' parcels only: the
	// application refuses the batch, and then each event, and every row is reported.
	a := testApp(t)
	text := "carrier,tracking_no,event_id,status,at\n" +
		"sf,SF0000000001,A,picked_up,2025-06-18 08:00:00\n" +
		"sf,SF0000000002,B,picked_up,2025-06-18 08:00:00\n"
	r, err := NewShipmentEventCSV(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := app.Principal{Role: app.RoleIntegration, Merchant: "shop-a", ID: "cli-import"}
	s, err := ImportShipmentEvents(context.Background(), r, AppShipmentEventSink(a, p), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Events != 0 || s.SkippedRows != 2 {
		t.Errorf("summary = %+v", s)
	}
	wantProblems(t, &s, "row 2: shipment sf SF0000000001 not found", "row 3: shipment sf SF0000000002 not found")
}

// FuzzShipmentRow feeds arbitrary cells to the parsing of a carrier-event row: it must
// never panic, every problem must be a readable sentence on the row, and a row without
// problems must be one the application accepts — and, for values written as the API
// takes them, a row the application accepts must have no problems.
func FuzzShipmentRow(f *testing.F) {
	f.Add("SF", "SF1000000001", "E1", "已揽收", "2025-06-18 20:30:00", "深圳", "收件", "", false)
	f.Add("sf", "sf1000000001", "E2", "in_transit", "2025-06-19T08:00:00+08:00", "", "", "refused", false)
	f.Add("yto", "7.73012345678901E+14", "1", "Out for delivery", "45827.5", "", "", "", true)
	f.Add("", "AB", "", "flying", "yesterday", strings.Repeat("地", 100), "\x00\r\n", strings.Repeat("r", 65), false)
	f.Add("s f", "SF 1", " ", "LOST", "2025/6/20 9:05", "", "", "", true)
	f.Fuzz(func(t *testing.T, carrier, trackingNo, eventID, status, atCell, location, detail, reason string, sheet bool) {
		cells := [numEventColumns]string{carrier, trackingNo, eventID, status, atCell, location, detail, reason}
		get := func(c eventColumn) string { return strings.TrimSpace(cells[c]) }
		e := parseShipmentRow(7, get, shanghai, sheet, false)
		for _, p := range e.Problems {
			if p.Row != 7 {
				t.Errorf("problem on row %d: %v", p.Row, p)
			}
			if _, ok := eventColumns.byName[p.Column]; !ok && p.Column != "" {
				t.Errorf("problem on an unknown column: %v", p)
			}
			readable(t, p.String())
		}
		in := e.Input
		checked, err := logistics.Check(logistics.Event{Carrier: in.Carrier, TrackingNo: in.TrackingNo, EventID: in.EventID,
			Status: logistics.Status(in.Status), At: in.At, Location: text.Clean(in.Location), Detail: text.Clean(in.Detail), Reason: in.Reason})
		if e.OK() && err != nil {
			t.Fatalf("a row without problems does not validate: %v (%+v)", err, in)
		}
		if e.OK() && (!checked.Status.Valid() || checked.At.IsZero()) {
			t.Fatalf("a row without problems has status %q at %v", checked.Status, checked.At)
		}
		// Written as the API takes it, the row is refused exactly when the API refuses it.
		apiAt, terr := time.Parse(time.RFC3339Nano, get(ecAt))
		apiCode := func(s string) bool { return !sheet || !scientific.MatchString(s) }
		if terr == nil && logistics.Status(get(ecStatus)).Valid() && apiCode(get(ecTrackingNo)) && apiCode(get(ecEventID)) {
			_, apiErr := logistics.Check(logistics.Event{Carrier: get(ecCarrier), TrackingNo: get(ecTrackingNo), EventID: get(ecEventID),
				Status: logistics.Status(get(ecStatus)), At: apiAt, Location: text.Clean(get(ecLocation)), Detail: text.Clean(get(ecDetail)), Reason: get(ecReason)})
			if (apiErr == nil) != e.OK() {
				t.Fatalf("the application says %v, the row has problems %v", apiErr, e.Problems)
			}
		}
	})
}
