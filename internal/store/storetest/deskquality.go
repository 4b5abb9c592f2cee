package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// Surveys, quality reviews and the review's sampling (deskTests). Both name a case, which
// must exist.

// deskOrders seeds an order of each of M-1, M-2 and M-3 and returns them.
func deskOrders(t *testing.T, s store.Store) []order.Order {
	t.Helper()
	os := []order.Order{sampleOrder("O-1", "M-1", "C-1"), sampleOrder("O-2", "M-2", "C-2"), sampleOrder("O-3", "M-3", "C-3")}
	for _, o := range os {
		seedOrder(t, s, o)
	}
	return os
}

// closedCases stores n completed cases c-00, c-01, … on the orders in turn and returns them.
func closedCases(t *testing.T, s store.Store, os []order.Order, n int) []*aftersale.Case {
	t.Helper()
	var cs []*aftersale.Case
	for i := range n {
		cs = append(cs, listCase(fmt.Sprintf("c-%02d", i), os[i%len(os)], aftersale.ReturnRefund, aftersale.Completed, base))
	}
	insertCases(t, s, cs...)
	return cs
}

// newSurvey is a survey of c, rated at at.
func newSurvey(c *aftersale.Case, agent string, scores [3]int, at time.Time) store.Survey {
	return store.Survey{CaseID: c.ID, Number: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID, Category: "apparel",
		Agent: agent, Attitude: scores[0], Speed: scores[1], Result: scores[2], Comment: "还行 fine", At: at}
}

// insertSurveys runs InsertSurvey for each of ss in one transaction.
func insertSurveys(t *testing.T, s store.Store, ss ...store.Survey) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for _, sv := range ss {
			if err := tx.InsertSurvey(t.Context(), sv); err != nil {
				return err
			}
		}
		return nil
	})
}

// surveyPage runs one ListSurveys.
func surveyPage(t *testing.T, s store.Store, q store.SurveyQuery) (ss []store.Survey, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ss, next, err = tx.ListSurveys(t.Context(), q)
		return err
	})
	return ss, next
}

// allSurveyIDs follows ListSurveys's cursors to the end and returns the case ids.
func allSurveyIDs(t *testing.T, s store.Store, q store.SurveyQuery) []string {
	t.Helper()
	ids := []string{}
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("ListSurveys: more than 1000 pages; the cursor does not advance")
		}
		ss, next := surveyPage(t, s, q)
		for _, sv := range ss {
			ids = append(ids, sv.CaseID)
		}
		if next == "" {
			return ids
		}
		if q.Limit > 0 && len(ss) != q.Limit {
			t.Fatalf("ListSurveys: page %d has %d surveys and a next cursor; want %d", page, len(ss), q.Limit)
		}
		q.Cursor = next
	}
}

// surveyWorldCursor rates two new cases and returns the first page of one survey and its
// cursor.
func surveyWorldCursor(t *testing.T, s store.Store) ([]store.Survey, string) {
	t.Helper()
	return surveyWorldCursorOf(t, s, closedCases(t, s, deskOrders(t, s), 2))
}

func testSurveyOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	cs := closedCases(t, s, deskOrders(t, s), 3)
	full := newSurvey(cs[0], "alice", [3]int{5, 4, 2}, base.Add(999).In(shanghai))
	if err := insertSurveys(t, s, full); err != nil {
		t.Fatalf("InsertSurvey: %v", err)
	}
	read := func(caseID string) (store.Survey, error) {
		var sv store.Survey
		err := s.View(ctx, func(tx store.Tx) error {
			var err error
			sv, err = tx.Survey(ctx, caseID)
			return err
		})
		return sv, err
	}
	want := full
	want.At = base
	got, err := read("c-00")
	if err != nil {
		t.Fatalf("Survey: %v", err)
	}
	wantEqual(t, "Survey", got, want)

	// Once per case: a second survey is refused, and the transaction goes on.
	again := newSurvey(cs[0], "bob", [3]int{1, 1, 1}, base.Add(time.Hour))
	var refused error
	err = s.Update(ctx, func(tx store.Tx) error {
		refused = tx.InsertSurvey(ctx, again)
		return refused
	})
	wantErr(t, "InsertSurvey of a case rated before", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)
	bare := store.Survey{CaseID: "c-01", Attitude: 3, Speed: 3, Result: 3}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		wantErr(t, "the same case again", tx.InsertSurvey(ctx, again), store.ErrConflict)
		wantErr(t, "a survey of an unknown case", tx.InsertSurvey(ctx, store.Survey{CaseID: "c-99", Attitude: 5}), store.ErrNotFound)
		return tx.InsertSurvey(ctx, bare)
	})
	got, _ = read("c-00")
	wantEqual(t, "Survey after the refusal", got, want)
	bare.At = now
	got, _ = read("c-01")
	wantEqual(t, "Survey without fields (a zero time is now)", got, bare)
	_, err = read("c-02")
	wantErr(t, "Survey of a case not rated", err, store.ErrNotFound)
	if err := insertSurveys(t, s, store.Survey{Attitude: 5}); err == nil {
		t.Fatal("InsertSurvey without a case: no error")
	}
}

func testSurveyList(t *testing.T, s store.Store) {
	// 30 surveys at six times, case ids scrambled against the times; merchants in turn,
	// agents alice, bob, none; every fifth low in one score.
	cs := closedCases(t, s, deskOrders(t, s), 30)
	agents := []string{"alice", "bob", ""}
	var ss []store.Survey
	for i := range 30 {
		c := cs[i*7%30]
		scores := [3]int{5, 4, 5}
		if i%5 == 0 {
			scores[i%3] = 2
		}
		ss = append(ss, newSurvey(c, agents[i%4%3], scores, minute(i%6)))
	}
	if err := insertSurveys(t, s, ss...); err != nil {
		t.Fatalf("InsertSurvey: %v", err)
	}
	idsOf := func(keep func(store.Survey) bool) []string {
		sorted := slices.Clone(ss)
		slices.SortFunc(sorted, func(a, b store.Survey) int {
			return cmp.Or(b.At.Compare(a.At), strings.Compare(b.CaseID, a.CaseID))
		})
		ids := []string{}
		for _, sv := range sorted {
			if keep(sv) {
				ids = append(ids, sv.CaseID)
			}
		}
		return ids
	}
	all := idsOf(func(store.Survey) bool { return true })
	for _, limit := range []int{1, 7, 29, 30, 31} {
		wantEqual(t, fmt.Sprint("surveys over pages of ", limit), allSurveyIDs(t, s, store.SurveyQuery{Limit: limit}), all)
	}
	low := func(sv store.Survey) bool { return min(sv.Attitude, sv.Speed, sv.Result) <= 2 }
	for _, c := range []struct {
		name string
		q    store.SurveyQuery
		keep func(store.Survey) bool
	}{
		{"Merchant", store.SurveyQuery{Merchant: "M-2"}, func(sv store.Survey) bool { return sv.Merchant == "M-2" }},
		{"Merchants", store.SurveyQuery{Merchants: []string{"M-1", "M-3"}}, func(sv store.Survey) bool { return sv.Merchant != "M-2" }},
		{"MerchantsNone", store.SurveyQuery{Merchants: []string{}}, func(store.Survey) bool { return false }},
		{"Agent", store.SurveyQuery{Agent: "bob"}, func(sv store.Survey) bool { return sv.Agent == "bob" }},
		{"Low", store.SurveyQuery{Low: true}, low},
		{"From", store.SurveyQuery{From: minute(2)}, func(sv store.Survey) bool { return !sv.At.Before(minute(2)) }},
		{"To", store.SurveyQuery{To: minute(2)}, func(sv store.Survey) bool { return sv.At.Before(minute(2)) }},
		{"FromTo", store.SurveyQuery{From: minute(1), To: minute(4)}, func(sv store.Survey) bool {
			return !sv.At.Before(minute(1)) && sv.At.Before(minute(4))
		}},
		{"Combined", store.SurveyQuery{Merchants: []string{"M-1", "M-2"}, Agent: "alice", Low: true, From: minute(0)},
			func(sv store.Survey) bool { return sv.Merchant != "M-3" && sv.Agent == "alice" && low(sv) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := c.keep
			ids := idsOf(want)
			if len(ids) == len(ss) || len(ids) == 0 && c.name != "MerchantsNone" {
				t.Fatalf("the filter selects %d of %d surveys: the test proves nothing", len(ids), len(ss))
			}
			q := c.q
			q.Limit = 3
			wantEqual(t, "ListSurveys", allSurveyIDs(t, s, q), ids)
		})
	}
	wantEqual(t, "Merchants nil: every survey", allSurveyIDs(t, s, store.SurveyQuery{Merchants: nil}), all)

	_, reviewCursor := reviewWorldCursor(t, s, cs)
	for _, cursor := range append(slices.Clone(otherCursors), reviewCursor, b64("surveys/soon/c-01"),
		b64("surveys/1741599000123456/")) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListSurveys(t.Context(), store.SurveyQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListSurveys with cursor %q", cursor), err, store.ErrBadCursor)
	}
}

// newReview is a pending review (version 1) of c's work by agent, sampled at at.
func newReview(id string, c *aftersale.Case, agent string, at time.Time) store.Review {
	return store.Review{ID: id, CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Agent: agent, Rule: "random",
		State: "pending", Reviewer: "sup-1", Version: 1, CreatedAt: at}
}

// insertReviews runs InsertReview for each of rs in one transaction.
func insertReviews(t *testing.T, s store.Store, rs ...store.Review) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range rs {
			if err := tx.InsertReview(t.Context(), &rs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// readReview returns a review by id.
func readReview(t *testing.T, s store.Store, id string) (store.Review, error) {
	t.Helper()
	var r store.Review
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		r, err = tx.Review(t.Context(), id)
		return err
	})
	return r, err
}

// reviewPage runs one ListReviews.
func reviewPage(t *testing.T, s store.Store, q store.ReviewQuery) (rs []store.Review, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		rs, next, err = tx.ListReviews(t.Context(), q)
		return err
	})
	return rs, next
}

// allReviewIDs follows ListReviews's cursors to the end and returns the ids.
func allReviewIDs(t *testing.T, s store.Store, q store.ReviewQuery) []string {
	t.Helper()
	ids := []string{}
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("ListReviews: more than 1000 pages; the cursor does not advance")
		}
		rs, next := reviewPage(t, s, q)
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if next == "" {
			return ids
		}
		if q.Limit > 0 && len(rs) != q.Limit {
			t.Fatalf("ListReviews: page %d has %d reviews and a next cursor; want %d", page, len(rs), q.Limit)
		}
		q.Cursor = next
	}
}

// reviewWorldCursor reviews the first two of cs and returns the first page of one review
// and its cursor.
func reviewWorldCursor(t *testing.T, s store.Store, cs []*aftersale.Case) ([]store.Review, string) {
	t.Helper()
	if err := insertReviews(t, s, newReview("w-1", cs[0], "alice", base), newReview("w-2", cs[1], "alice", base)); err != nil {
		t.Fatalf("InsertReview: %v", err)
	}
	rs, next := reviewPage(t, s, store.ReviewQuery{Limit: 1})
	if next == "" {
		t.Fatal("ListReviews of two with a limit of 1: no next page")
	}
	return rs, next
}

func testReviewOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	cs := closedCases(t, s, deskOrders(t, s), 3)
	at := base.Add(999).In(shanghai)
	full := newReview("q-1", cs[0], "alice", at)
	full.Rule, full.Comment = "low_csat", "态度好 polite"
	bare := store.Review{ID: "q-2", CaseID: "c-01", Version: 1}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		if err := tx.InsertReview(ctx, &full); err != nil {
			return err
		}
		return tx.InsertReview(ctx, &bare)
	})
	want := full
	want.CreatedAt = base
	got, err := readReview(t, s, "q-1")
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	wantEqual(t, "Review", got, want)
	bare.CreatedAt = now
	got, _ = readReview(t, s, "q-2")
	wantEqual(t, "Review without fields (a zero time is now)", got, bare)
	_, err = readReview(t, s, "q-9")
	wantErr(t, "Review of an unknown id", err, store.ErrNotFound)

	// One review per case, each id once; the refusals leave the transaction usable.
	mustUpdate(t, s, func(tx store.Tx) error {
		takenID := newReview("q-1", cs[2], "bob", base)
		wantErr(t, "InsertReview of a taken id", tx.InsertReview(ctx, &takenID), store.ErrConflict)
		reviewed := newReview("q-3", cs[0], "bob", base)
		wantErr(t, "InsertReview of a case reviewed before", tx.InsertReview(ctx, &reviewed), store.ErrConflict)
		unknown := newReview("q-3", &aftersale.Case{ID: "c-99"}, "bob", base)
		wantErr(t, "InsertReview of an unknown case", tx.InsertReview(ctx, &unknown), store.ErrNotFound)
		return nil
	})
	for _, bad := range []store.Review{{CaseID: "c-02", Version: 1}, {ID: "q-9", Version: 1}, {ID: "q-9", CaseID: "c-02", Version: 2}} {
		if err := insertReviews(t, s, bad); err == nil {
			t.Fatalf("InsertReview of %s: no error", show(bad))
		}
	}

	// Scored: an optimistic update.
	update := func(r store.Review) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.UpdateReview(ctx, &r) })
	}
	done := want
	done.Version, done.State, done.Reviewer, done.Total, done.DoneAt = 2, "done", "sup-2", 87.5, base.Add(time.Hour)
	done.Scores = map[string]int{"courtesy": 5, "accuracy": 4, "compliance": 4, "speed": 3, "resolution": 5}
	if err := update(done); err != nil {
		t.Fatalf("UpdateReview to version 2: %v", err)
	}
	got, _ = readReview(t, s, "q-1")
	wantEqual(t, "Review after UpdateReview", got, done)
	wantErr(t, "UpdateReview to version 2 again", update(done), store.ErrConflict)
	unknown := done
	unknown.ID = "q-9"
	wantErr(t, "UpdateReview of an unknown id", update(unknown), store.ErrNotFound)
	moved := bare
	moved.Version, moved.CaseID = 2, "c-00"
	wantErr(t, "UpdateReview onto a case reviewed before", update(moved), store.ErrConflict)
	got, _ = readReview(t, s, "q-2")
	wantEqual(t, "Review after the refused move", got, bare)
}

func testReviewList(t *testing.T, s store.Store) {
	// 24 reviews at four times, ids scrambled against the times; agents alice and bob in
	// turn, every third done; the cases' merchants in turn.
	cs := closedCases(t, s, deskOrders(t, s), 24)
	var rs []store.Review
	for i := range 24 {
		r := newReview(fmt.Sprintf("q-%02d", i*5%24), cs[i], []string{"alice", "bob"}[i%2], minute(i%4))
		if i%3 == 0 {
			r.State, r.DoneAt, r.Scores, r.Total = "done", minute(10), map[string]int{"courtesy": 4}, 80
		}
		rs = append(rs, r)
	}
	if err := insertReviews(t, s, rs...); err != nil {
		t.Fatalf("InsertReview: %v", err)
	}
	idsOf := func(keep func(store.Review) bool) []string {
		sorted := slices.Clone(rs)
		slices.SortFunc(sorted, func(a, b store.Review) int {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
		})
		ids := []string{}
		for _, r := range sorted {
			if keep(r) {
				ids = append(ids, r.ID)
			}
		}
		return ids
	}
	all := idsOf(func(store.Review) bool { return true })
	for _, limit := range []int{1, 5, 23, 24, 25} {
		wantEqual(t, fmt.Sprint("reviews over pages of ", limit), allReviewIDs(t, s, store.ReviewQuery{Limit: limit}), all)
	}
	for _, c := range []struct {
		name string
		q    store.ReviewQuery
		keep func(store.Review) bool
	}{
		{"Agent", store.ReviewQuery{Agent: "bob"}, func(r store.Review) bool { return r.Agent == "bob" }},
		{"State", store.ReviewQuery{State: "done"}, func(r store.Review) bool { return r.State == "done" }},
		{"Merchants", store.ReviewQuery{Merchants: []string{"M-2", "M-3"}}, func(r store.Review) bool { return r.Merchant != "M-1" }},
		{"MerchantsNone", store.ReviewQuery{Merchants: []string{}}, func(store.Review) bool { return false }},
		{"Combined", store.ReviewQuery{Agent: "alice", State: "pending", Merchants: []string{"M-1", "M-3"}},
			func(r store.Review) bool { return r.Agent == "alice" && r.State == "pending" && r.Merchant != "M-2" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ids := idsOf(c.keep)
			if len(ids) == len(rs) || len(ids) == 0 && c.name != "MerchantsNone" {
				t.Fatalf("the filter selects %d of %d reviews: the test proves nothing", len(ids), len(rs))
			}
			q := c.q
			q.Limit = 2
			wantEqual(t, "ListReviews", allReviewIDs(t, s, q), ids)
		})
	}
	// Every field reads back in the list.
	done := idsOf(func(r store.Review) bool { return r.State == "done" })
	page, _ := reviewPage(t, s, store.ReviewQuery{State: "done", Limit: 1})
	wantEqual(t, "ListReviews of done reviews", page, []store.Review{rs[slices.IndexFunc(rs, func(r store.Review) bool { return r.ID == done[0] })]})

	_, surveyCursor := surveyWorldCursorOf(t, s, cs[:2])
	for _, cursor := range append(slices.Clone(otherCursors), surveyCursor, b64("reviews/soon/q-01"),
		b64("reviews/1741599000123456/")) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListReviews(t.Context(), store.ReviewQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListReviews with cursor %q", cursor), err, store.ErrBadCursor)
	}
}

// surveyWorldCursorOf rates two cases and returns the first page of one survey and its
// cursor.
func surveyWorldCursorOf(t *testing.T, s store.Store, cs []*aftersale.Case) ([]store.Survey, string) {
	t.Helper()
	if err := insertSurveys(t, s, newSurvey(cs[0], "alice", [3]int{5, 5, 5}, base),
		newSurvey(cs[1], "alice", [3]int{4, 4, 4}, base)); err != nil {
		t.Fatalf("InsertSurvey: %v", err)
	}
	ss, next := surveyPage(t, s, store.SurveyQuery{Limit: 1})
	if next == "" {
		t.Fatal("ListSurveys of two with a limit of 1: no next page")
	}
	return ss, next
}

func testReviewCandidates(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	os := deskOrders(t, s)
	rows := []struct {
		id       string
		order    int
		state    aftersale.State
		assignee string
		updated  int // minutes after base; the store's clock then (PostgreSQL writes updated_at so)
	}{
		{"c-01", 0, aftersale.Closed, "alice", 0},
		{"c-02", 1, aftersale.Completed, "bob", 1},
		{"c-03", 0, aftersale.Completed, "", 2},      // nobody's work
		{"c-04", 0, aftersale.Requested, "alice", 3}, // open
		{"c-05", 0, aftersale.Closed, "alice", 4},    // reviewed below
		{"c-06", 2, aftersale.Completed, "carol", 5},
		{"c-07", 0, aftersale.Closed, "bob", 6},
		{"c-09", 1, aftersale.Completed, "alice", 6},  // the same time as c-07
		{"c-08", 1, aftersale.Completed, "alice", 10}, // at To
	}
	candidates := map[string]store.ReviewCandidate{}
	for _, r := range rows {
		clk.Set(minute(r.updated))
		c := listCase(r.id, os[r.order], aftersale.ReturnRefund, r.state, minute(r.updated).Add(-time.Hour))
		c.UpdatedAt, c.Assignee = minute(r.updated), r.assignee
		insertCases(t, s, c)
		candidates[r.id] = store.ReviewCandidate{CaseID: c.ID, Number: c.Number, Merchant: c.MerchantID,
			Assignee: r.assignee, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	}
	clk.Set(minute(20))
	if err := insertReviews(t, s, newReview("q-1", &aftersale.Case{ID: "c-05", Number: "RMA-c-05", MerchantID: "M-1"}, "alice", minute(20))); err != nil {
		t.Fatalf("InsertReview: %v", err)
	}
	closed := []string{string(aftersale.Completed), string(aftersale.Closed)}
	list := func(q store.CandidateQuery) []store.ReviewCandidate {
		t.Helper()
		var got []store.ReviewCandidate
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ReviewCandidates(ctx, q)
			return err
		})
		return got
	}
	of := func(ids ...string) []store.ReviewCandidate {
		var out []store.ReviewCandidate
		for _, id := range ids {
			out = append(out, candidates[id])
		}
		return out
	}
	for _, c := range []struct {
		name string
		q    store.CandidateQuery
		want []store.ReviewCandidate
	}{
		{"InRange", store.CandidateQuery{States: closed, From: minute(0), To: minute(10)}, of("c-09", "c-07", "c-06", "c-02", "c-01")},
		{"From", store.CandidateQuery{States: closed, From: minute(1), To: minute(10)}, of("c-09", "c-07", "c-06", "c-02")},
		{"Unbounded", store.CandidateQuery{States: closed}, of("c-08", "c-09", "c-07", "c-06", "c-02", "c-01")},
		{"OneState", store.CandidateQuery{States: []string{string(aftersale.Closed)}, To: minute(10)}, of("c-07", "c-01")},
		// Only closed cases are candidates (and only they are in the index read).
		{"OpenState", store.CandidateQuery{States: []string{string(aftersale.Requested)}}, nil},
		{"Merchants", store.CandidateQuery{States: closed, Merchants: []string{"M-1"}}, of("c-07", "c-01")},
		{"MerchantsNone", store.CandidateQuery{States: closed, Merchants: []string{}}, nil},
		{"NoStates", store.CandidateQuery{To: minute(10)}, nil},
		{"Limit", store.CandidateQuery{States: closed, To: minute(10), Limit: 2}, of("c-09", "c-07")},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantEqual(t, "ReviewCandidates", list(c.q), c.want)
		})
	}
	// A review takes a case out of the sample.
	if err := insertReviews(t, s, newReview("q-2", &aftersale.Case{ID: "c-09"}, "alice", minute(21))); err != nil {
		t.Fatalf("InsertReview: %v", err)
	}
	wantEqual(t, "ReviewCandidates after a review", list(store.CandidateQuery{States: closed, To: minute(10)}),
		of("c-07", "c-06", "c-02", "c-01"))
}
