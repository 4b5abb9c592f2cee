package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// The service desk (store.Desk, package desk): the assignment rules (one versioned JSON
// document) and each group's round robin; who owns a case or a complaint, kept in its row
// for the queue's filters and the open load; the staff account an API token acts as;
// canned replies (deskreplies.go); knowledge-base articles and their search terms
// (deskkb.go); surveys, quality reviews and their sampling (deskquality.go); and inbound
// email: taken in once, its customer found by address, its messages marked.
var deskTests = []test{
	{name: "RulesAreVersioned", run: testDeskRules},
	{name: "RoundRobinCursor", run: testDeskCursor},
	{name: "OpenLoadCountsOpenWork", run: testOpenLoad},
	{name: "CaseQueueFilters", run: testDeskCaseFilters},
	{name: "ComplaintQueueFilters", run: testDeskComplaintFilters},
	{name: "TokenActsAsUser", run: testTokenUserID},
	{name: "InboundEmailOnce", run: testInboundEmail},
	{name: "CustomerByEmail", run: testCustomerByEmail},
	{name: "MessageChannel", run: testMessageChannel},
	{name: "ReplyEveryFieldReadsBack", run: testReplyRoundTrip},
	{name: "ReplyUpdateAndDelete", run: testReplyUpdate},
	{name: "ReplyListScopeAndSearch", run: testReplyList},
	{name: "ArticleEveryFieldReadsBack", run: testArticleRoundTrip},
	{name: "ArticleListPages", run: testArticleList},
	{name: "ArticleTermsAndStats", run: testArticleTerms},
	{name: "SurveyOncePerCase", run: testSurveyOnce},
	{name: "SurveyListFilters", run: testSurveyList},
	{name: "ReviewOncePerCase", run: testReviewOnce},
	{name: "ReviewListFilters", run: testReviewList},
	{name: "ReviewCandidates", clocked: testReviewCandidates},
}

func testDeskRules(t *testing.T, s store.Store) {
	testRulesDoc(t, s, "DeskRules", store.Tx.DeskRules, store.Tx.SaveDeskRules)
}

// testRulesDoc checks a one-row set of rules kept whole by version (desk rules,
// scorecard rules): name's getter and setter.
func testRulesDoc(t *testing.T, s store.Store, name string, get func(store.Tx, context.Context) ([]byte, int, error),
	put func(store.Tx, context.Context, []byte, int) error) {
	ctx := t.Context()
	rules := func() (body []byte, version int, err error) {
		err = s.View(ctx, func(tx store.Tx) error {
			body, version, err = get(tx, ctx)
			return err
		})
		return body, version, err
	}
	save := func(body string, version int) error {
		return s.Update(ctx, func(tx store.Tx) error { return put(tx, ctx, []byte(body), version) })
	}
	_, _, err := rules()
	wantErr(t, name+" of an empty store", err, store.ErrNotFound)
	wantErr(t, name+": version 2 with none stored", save(`{"version":2}`, 2), store.ErrConflict)

	v1 := `{"version": 1, "groups": [{"code": "returns", "name": {"zh": "退货组", "en": "Returns"}, "members": ["alice", "bob"]}], "cap": 20}`
	if err := save(v1, 1); err != nil {
		t.Fatalf("%s: save version 1: %v", name, err)
	}
	body, version, err := rules()
	if err != nil || version != 1 {
		t.Fatalf("%s = version %d, %v; want version 1", name, version, err)
	}
	wantSameJSON(t, name+" version 1", body, []byte(v1))

	wantErr(t, name+": version 1 again", save(`{"version":1}`, 1), store.ErrConflict)
	wantErr(t, name+": version 3 over 1", save(`{"version":3}`, 3), store.ErrConflict)
	if err := save(`{"version": 2, "groups": [], "cap": 0}`, 2); err != nil {
		t.Fatalf("%s: save version 2: %v", name, err)
	}
	wantErr(t, name+": version 2 again", save(`{"version":2}`, 2), store.ErrConflict)
	body, version, err = rules()
	if err != nil || version != 2 {
		t.Fatalf("%s = version %d, %v; want version 2", name, version, err)
	}
	wantSameJSON(t, name+" version 2", body, []byte(`{"version": 2, "groups": [], "cap": 0}`))

	// A refusal leaves the transaction usable.
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, name+": a stale version", put(tx, ctx, []byte(`{}`), 2), store.ErrConflict)
		return put(tx, ctx, []byte(`{"version": 3}`), 3)
	})
	if _, version, err := rules(); err != nil || version != 3 {
		t.Fatalf("%s = version %d, %v; want version 3", name, version, err)
	}
	if err := save(`not json`, 4); err == nil {
		t.Fatalf("%s: saving malformed JSON: no error", name)
	}
}

func testDeskCursor(t *testing.T, s store.Store) {
	ctx := t.Context()
	cursor := func(group string) string {
		t.Helper()
		var member string
		mustView(t, s, func(tx store.Tx) error {
			var err error
			member, err = tx.DeskCursor(ctx, group)
			return err
		})
		return member
	}
	set := func(group, member string) {
		t.Helper()
		mustUpdate(t, s, func(tx store.Tx) error { return tx.SetDeskCursor(ctx, group, member) })
	}
	wantEqual(t, "DeskCursor of a group never served", cursor("returns"), "")
	set("returns", "alice")
	set("退款组", "bob")
	wantEqual(t, "DeskCursor of returns", cursor("returns"), "alice")
	set("returns", "bob")
	wantEqual(t, "DeskCursor of returns moved on", cursor("returns"), "bob")
	wantEqual(t, "DeskCursor of 退款组", cursor("退款组"), "bob")
	wantEqual(t, "DeskCursor of another group", cursor("Returns"), "")
}

// deskCases are cases of one order owned by alice, bob or nobody, in the returns and
// refunds groups or none, open and closed, some with an SLA notice, a minute apart (d-1
// oldest).
func deskCases(t *testing.T, s store.Store) []*aftersale.Case {
	t.Helper()
	o := sampleOrder("O-desk", "M-1", "C-1")
	seedOrder(t, s, o)
	warning, breach := "first_response@1"+aftersale.SLAWarningSuffix, "resolution@1"+aftersale.SLABreachSuffix
	rows := []struct {
		id, assignee, group string
		state               aftersale.State
		notice              string
	}{
		{"d-1", "alice", "returns", aftersale.Requested, ""},
		{"d-2", "alice", "returns", aftersale.Approved, warning},
		{"d-3", "bob", "refunds", aftersale.Requested, breach},
		{"d-4", "", "returns", aftersale.Requested, ""},
		{"d-5", "", "", aftersale.Completed, ""},
		{"d-6", "alice", "", aftersale.Closed, ""},
		{"d-7", "bob", "refunds", aftersale.Completed, ""},
	}
	var cs []*aftersale.Case
	for i, r := range rows {
		c := listCase(r.id, o, aftersale.ReturnRefund, r.state, base.Add(time.Duration(i)*time.Minute))
		c.Assignee, c.Group = r.assignee, r.group
		if r.notice != "" {
			c.SLANotices = []string{r.notice}
		}
		cs = append(cs, c)
	}
	insertCases(t, s, cs...)
	return cs
}

// deskComplaints are complaints owned by alice, carol or nobody, open and resolved, a
// minute apart (k-1 oldest).
func deskComplaints(t *testing.T, s store.Store) []complaint.Complaint {
	t.Helper()
	rows := []struct {
		id, owner, group string
		state            complaint.State
	}{
		{"k-1", "alice", "returns", complaint.Open},
		{"k-2", "alice", "", complaint.Resolved},
		{"k-3", "carol", "", complaint.Open},
		{"k-4", "", "returns", complaint.Open},
	}
	var ks []complaint.Complaint
	for i, r := range rows {
		k := newComplaint(r.id, byCustomer("C-1"), complaint.AboutMerchant, "M-1", base.Add(time.Duration(i)*time.Minute))
		k.Owner, k.Group, k.State = r.owner, r.group, r.state
		ks = append(ks, k)
	}
	mustInsertComplaints(t, s, ks...)
	return ks
}

func testOpenLoad(t *testing.T, s store.Store) {
	ctx := t.Context()
	cs := deskCases(t, s)
	deskComplaints(t, s)
	closedCases := []string{string(aftersale.Completed), string(aftersale.Closed)}
	closedComplaints := []string{string(complaint.Resolved)}
	load := func(users, closedCases, closedComplaints []string) map[string]int {
		t.Helper()
		var got map[string]int
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.OpenLoad(ctx, users, closedCases, closedComplaints)
			return err
		})
		return got
	}
	// alice: d-1, d-2 and k-1 (d-6 is closed, k-2 resolved); bob: d-3 (d-7 completed);
	// carol: k-3; dave nothing; nobody's work is nobody's load.
	wantEqual(t, "OpenLoad", load([]string{"alice", "bob", "carol", "dave", ""}, closedCases, closedComplaints),
		map[string]int{"alice": 3, "bob": 1, "carol": 1})
	wantEqual(t, "OpenLoad of bob", load([]string{"bob"}, closedCases, closedComplaints), map[string]int{"bob": 1})
	wantEqual(t, "OpenLoad of nobody", load(nil, closedCases, closedComplaints), map[string]int{})
	wantEqual(t, "OpenLoad with no closed states", load([]string{"alice", "bob"}, nil, nil),
		map[string]int{"alice": 5, "bob": 2})

	// The owner is the row's: an update moves the load.
	d4 := *cs[3]
	d4.Version, d4.Assignee = 2, "dave"
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateCase(ctx, &d4) })
	wantEqual(t, "OpenLoad after d-4 went to dave", load([]string{"alice", "dave"}, closedCases, closedComplaints),
		map[string]int{"alice": 3, "dave": 1})
}

func testDeskCaseFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	cs := deskCases(t, s)
	requested := []aftersale.State{aftersale.Requested}
	for _, c := range []struct {
		name string
		q    store.CaseQuery
		want []string
	}{
		{"Assignee", store.CaseQuery{Assignee: "alice"}, []string{"d-6", "d-2", "d-1"}},
		{"AssigneePaged", store.CaseQuery{Assignee: "alice", Limit: 1}, []string{"d-6", "d-2", "d-1"}},
		{"Unassigned", store.CaseQuery{Unassigned: true}, []string{"d-5", "d-4"}},
		{"Group", store.CaseQuery{Group: "returns"}, []string{"d-4", "d-2", "d-1"}},
		{"GroupUnassigned", store.CaseQuery{Group: "returns", Unassigned: true}, []string{"d-4"}},
		{"GroupInState", store.CaseQuery{Group: "refunds", States: requested}, []string{"d-3"}},
		{"GroupByDeadline", store.CaseQuery{Group: "returns", States: requested, Sort: store.SortDeadline}, []string{"d-1", "d-4"}},
		{"OnTrack", store.CaseQuery{OnTrack: true}, []string{"d-7", "d-6", "d-5", "d-4", "d-1"}},
		{"AssigneeOnTrack", store.CaseQuery{Assignee: "alice", OnTrack: true}, []string{"d-6", "d-1"}},
		{"AssigneeByDeadline", store.CaseQuery{Assignee: "alice", States: []aftersale.State{aftersale.Requested, aftersale.Approved},
			Sort: store.SortDeadline, Limit: 1}, []string{"d-1", "d-2"}},
		{"AssigneeUnassigned", store.CaseQuery{Assignee: "bob", Unassigned: true}, nil},
		{"UnknownAssignee", store.CaseQuery{Assignee: "Alice"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantEqual(t, "ListCases", listAll(t, s, c.q), c.want)
		})
	}
	got := readCase(t, s, "d-2")
	if got.Case.Assignee != "alice" || got.Case.Group != "returns" {
		t.Fatalf("Case d-2: assignee %q, group %q", got.Case.Assignee, got.Case.Group)
	}

	// UpdateCase moves a case between queues.
	d4, d1 := *cs[3], *cs[0]
	d4.Version, d4.Assignee, d4.Group = 2, "bob", "refunds"
	d1.Version, d1.Assignee, d1.Group = 2, "", ""
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.UpdateCase(ctx, &d4); err != nil {
			return err
		}
		return tx.UpdateCase(ctx, &d1)
	})
	wantEqual(t, "bob's cases", listAll(t, s, store.CaseQuery{Assignee: "bob"}), []string{"d-7", "d-4", "d-3"})
	wantEqual(t, "unassigned cases", listAll(t, s, store.CaseQuery{Unassigned: true}), []string{"d-5", "d-1"})
	wantEqual(t, "the returns queue", listAll(t, s, store.CaseQuery{Group: "returns"}), []string{"d-2"})
}

// readCase returns a case by id.
func readCase(t *testing.T, s store.Store, id string) store.CaseRecord {
	t.Helper()
	var r store.CaseRecord
	mustView(t, s, func(tx store.Tx) error {
		var err error
		r, err = tx.Case(t.Context(), id)
		return err
	})
	return r
}

func testDeskComplaintFilters(t *testing.T, s store.Store) {
	ks := deskComplaints(t, s)
	for _, c := range []struct {
		name string
		q    store.ComplaintQuery
		want []string
	}{
		{"Owner", store.ComplaintQuery{Owner: "alice"}, []string{"k-2", "k-1"}},
		{"OwnerPaged", store.ComplaintQuery{Owner: "alice", Limit: 1}, []string{"k-2", "k-1"}},
		{"OwnerInState", store.ComplaintQuery{Owner: "alice", State: complaint.Open}, []string{"k-1"}},
		{"Unassigned", store.ComplaintQuery{Unassigned: true}, []string{"k-4"}},
		{"Group", store.ComplaintQuery{Group: "returns"}, []string{"k-4", "k-1"}},
		{"GroupOwner", store.ComplaintQuery{Group: "returns", Owner: "alice"}, []string{"k-1"}},
		{"OwnerUnassigned", store.ComplaintQuery{Owner: "alice", Unassigned: true}, []string{}},
		{"UnknownGroup", store.ComplaintQuery{Group: "refunds"}, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantEqual(t, "ListComplaints", complaintIDs(allComplaints(t, s, c.q)), c.want)
		})
	}
	wantEqual(t, "Complaint k-1", readComplaint(t, s, "k-1"), ks[0])

	// UpdateComplaint moves a complaint between queues.
	k4 := ks[3]
	k4.Version, k4.Owner, k4.Group, k4.UpdatedAt = 2, "bob", "", base.Add(time.Hour)
	if err := updateComplaint(t, s, k4, time.Time{}); err != nil {
		t.Fatalf("UpdateComplaint: %v", err)
	}
	wantEqual(t, "bob's complaints", complaintIDs(allComplaints(t, s, store.ComplaintQuery{Owner: "bob"})), []string{"k-4"})
	wantEqual(t, "unassigned complaints", complaintIDs(allComplaints(t, s, store.ComplaintQuery{Unassigned: true})), []string{})
	wantEqual(t, "the returns queue", complaintIDs(allComplaints(t, s, store.ComplaintQuery{Group: "returns"})), []string{"k-1"})
}

func testTokenUserID(t *testing.T, s store.Store) {
	ctx := t.Context()
	h1, h2 := sha256.Sum256([]byte("secret-1")), sha256.Sum256([]byte("secret-2"))
	staff := store.Token{ID: "tok-1", Hash: h1[:], Name: "alice's CLI", Role: "agent", UserID: "u-alice", CreatedAt: base}
	shop := store.Token{ID: "tok-2", Hash: h2[:], Name: "shop sync", Role: "integration", Merchant: "M-1",
		CreatedAt: base.Add(time.Minute)}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertToken(ctx, staff); err != nil {
			return err
		}
		return tx.InsertToken(ctx, shop)
	})
	mustView(t, s, func(tx store.Tx) error {
		for _, want := range []store.Token{staff, shop} {
			got, err := tx.TokenByHash(ctx, want.Hash)
			if err != nil {
				return err
			}
			wantEqual(t, "TokenByHash "+want.ID, got, want)
		}
		all, err := tx.Tokens(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "Tokens", all, []store.Token{shop, staff})
		return nil
	})
}

func testInboundEmail(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := store.InboundEmail{MessageID: "<a1@mail.example.com>", From: "buyer@example.com", Subject: "Re: 售后 RMA-1",
		CaseID: "case-1", At: base}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertInboundEmail(ctx, first) })
	again := first
	again.Subject, again.CaseID, again.Complaint = "Re: Re: 售后 RMA-1", "", "k-1"
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		refused = tx.InsertInboundEmail(ctx, again)
		return refused
	})
	wantErr(t, "InsertInboundEmail of a Message-ID taken in before", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)
	// A refusal leaves the transaction usable; Message-IDs compare exactly.
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "the same email again", tx.InsertInboundEmail(ctx, first), store.ErrConflict)
		other := first
		other.MessageID = "<A1@mail.example.com>"
		return tx.InsertInboundEmail(ctx, other)
	})
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertInboundEmail(ctx, store.InboundEmail{}) }); err == nil {
		t.Fatal("InsertInboundEmail without a Message-ID: no error")
	}
}

func testCustomerByEmail(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, c := range []store.Customer{
		{ID: "C-1", Name: "张三", Email: "Zhang.San@Example.com"},
		{ID: "C-2", Name: "Li Si", Email: "li.si@example.com"},
		{ID: "C-3", Name: "张三 (second account)", Email: "zhang.san@example.com"},
		{ID: "C-4", Name: "No email"},
	} {
		mustUpdate(t, s, func(tx store.Tx) error {
			if err := tx.EnsureCustomer(ctx, c.ID); err != nil {
				return err
			}
			return tx.UpdateCustomer(ctx, c)
		})
		time.Sleep(time.Millisecond) // C-1 is made before C-3
	}
	byEmail := func(email string) (store.Customer, error) {
		var c store.Customer
		err := s.View(ctx, func(tx store.Tx) error {
			var err error
			c, err = tx.CustomerByEmail(ctx, email)
			return err
		})
		return c, err
	}
	for email, want := range map[string]string{
		"zhang.san@example.com": "C-1", // the earliest of two
		"ZHANG.SAN@EXAMPLE.COM": "C-1",
		"Li.Si@Example.com":     "C-2",
	} {
		got, err := byEmail(email)
		if err != nil || got.ID != want {
			t.Fatalf("CustomerByEmail(%q) = %s, %v; want %s", email, show(got), err, want)
		}
	}
	got, _ := byEmail("li.si@example.com")
	wantEqual(t, "CustomerByEmail", got, store.Customer{ID: "C-2", Name: "Li Si", Email: "li.si@example.com"})
	for _, email := range []string{"", "wang@example.com", "li.si@example"} {
		_, err := byEmail(email)
		wantErr(t, fmt.Sprintf("CustomerByEmail(%q)", email), err, store.ErrNotFound)
	}
}

func testMessageChannel(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	in := addMessage(t, s, store.CaseMessage{CaseID: c.ID, AuthorRole: "customer", AuthorID: "C-1", Public: true,
		Body: "收到了，谢谢", Channel: "email"})
	page := addMessage(t, s, store.CaseMessage{CaseID: c.ID, AuthorRole: "agent", AuthorID: "alice", Public: true,
		Body: "不客气"})
	if in.Channel != "email" || page.Channel != "" {
		t.Fatalf("AddMessage channels %q, %q", in.Channel, page.Channel)
	}
	wantEqual(t, "Messages", messages(t, s, c.ID, false), []store.CaseMessage{in, page})
}
