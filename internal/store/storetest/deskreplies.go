package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Canned replies (deskTests): optimistic updates, deletion, and the list of what an agent
// or a merchant's staff may use, searched in both languages.

// replyIDs are the ids of rs, in order.
func replyIDs(rs []store.CannedReply) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// listReplies runs one ListReplies.
func listReplies(t *testing.T, s store.Store, q store.ReplyQuery) []store.CannedReply {
	t.Helper()
	var rs []store.CannedReply
	mustView(t, s, func(tx store.Tx) error {
		var err error
		rs, err = tx.ListReplies(t.Context(), q)
		return err
	})
	return rs
}

// readReply returns a canned reply by id.
func readReply(t *testing.T, s store.Store, id string) store.CannedReply {
	t.Helper()
	var r store.CannedReply
	mustView(t, s, func(tx store.Tx) error {
		var err error
		r, err = tx.Reply(t.Context(), id)
		return err
	})
	return r
}

// insertReplies runs InsertReply for each of rs in one transaction.
func insertReplies(t *testing.T, s store.Store, rs ...store.CannedReply) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range rs {
			if err := tx.InsertReply(t.Context(), &rs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// newReply is a canned reply (version 1) of the platform (merchant "") or of a merchant.
func newReply(id, merchant, titleZH, titleEN, bodyZH, bodyEN string) store.CannedReply {
	r := store.CannedReply{ID: id, Scope: "platform", Merchant: merchant, Title: store.Text{ZH: titleZH, EN: titleEN},
		Body: store.Text{ZH: bodyZH, EN: bodyEN}, Shortcut: id, Version: 1, CreatedBy: "alice", CreatedAt: base,
		UpdatedAt: base}
	if merchant != "" {
		r.Scope = "merchant"
	}
	return r
}

func testReplyRoundTrip(t *testing.T, s store.Store) {
	at := base.Add(999).In(shanghai)
	full := store.CannedReply{ID: "r-1", Scope: "merchant", Merchant: "M-1",
		Title: store.Text{ZH: "退款已到账", EN: "Refund done"}, Body: store.Text{ZH: "您好，{{rma}} 的退款已原路退回。",
			EN: "Hello, the refund of {{rma}} went back to your original payment."},
		Shortcut: "refund-done", Version: 1, CreatedBy: "u-alice", CreatedAt: at, UpdatedAt: at.Add(time.Minute)}
	bare := store.CannedReply{ID: "r-2", Scope: "platform", Version: 1}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		if err := tx.InsertReply(t.Context(), &full); err != nil {
			return err
		}
		return tx.InsertReply(t.Context(), &bare)
	})
	want := full
	want.CreatedAt, want.UpdatedAt = base, base.Add(time.Minute)
	wantEqual(t, "Reply", readReply(t, s, "r-1"), want)
	wantBare := bare
	wantBare.CreatedAt, wantBare.UpdatedAt = now, now
	wantEqual(t, "Reply without fields (zero times are now)", readReply(t, s, "r-2"), wantBare)

	dup := newReply("r-1", "", "重复", "Duplicate", "", "")
	var refused error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		refused = tx.InsertReply(t.Context(), &dup)
		return refused
	})
	wantErr(t, "InsertReply of a taken id", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)
	for _, bad := range []store.CannedReply{
		{Scope: "platform", Version: 1},
		{ID: "r-9", Scope: "everyone", Version: 1},
		{ID: "r-9", Scope: "merchant", Version: 1},
		{ID: "r-9", Scope: "platform", Version: 2},
	} {
		if err := insertReplies(t, s, bad); err == nil {
			t.Fatalf("InsertReply of %s: no error", show(bad))
		}
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Reply(t.Context(), "r-9")
		return err
	})
	wantErr(t, "Reply of an unknown id", err, store.ErrNotFound)
}

func testReplyUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newReply("r-1", "M-1", "催发货", "Ship please", "请尽快发货", "Please ship soon")
	if err := insertReplies(t, s, r); err != nil {
		t.Fatalf("InsertReply: %v", err)
	}
	update := func(r store.CannedReply) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.UpdateReply(ctx, &r) })
	}
	v2 := r
	v2.Version, v2.Scope, v2.Merchant, v2.Title.EN, v2.UpdatedAt = 2, "platform", "", "Please ship", base.Add(time.Hour)
	if err := update(v2); err != nil {
		t.Fatalf("UpdateReply to version 2: %v", err)
	}
	wantEqual(t, "Reply after UpdateReply", readReply(t, s, "r-1"), v2)
	wantErr(t, "UpdateReply to version 2 again", update(v2), store.ErrConflict)
	ahead := v2
	ahead.Version = 4
	wantErr(t, "UpdateReply to version 4 over 2", update(ahead), store.ErrConflict)
	unknown := v2
	unknown.ID, unknown.Version = "r-9", 2
	wantErr(t, "UpdateReply of an unknown id", update(unknown), store.ErrNotFound)

	del := func(id string) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteReply(ctx, id) })
	}
	wantErr(t, "DeleteReply of an unknown id", del("r-9"), store.ErrNotFound)
	if err := del("r-1"); err != nil {
		t.Fatalf("DeleteReply: %v", err)
	}
	wantErr(t, "DeleteReply again", del("r-1"), store.ErrNotFound)
	err := s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Reply(ctx, "r-1")
		return err
	})
	wantErr(t, "Reply after DeleteReply", err, store.ErrNotFound)
}

func testReplyList(t *testing.T, s store.Store) {
	err := insertReplies(t, s,
		newReply("r-5", "", "退款已到账", "Refund Done", "您的退款已原路退回", "Your REFUND went back"),
		newReply("r-1", "", "物流查询", "Tracking", "正在为您查询物流", "We are checking the parcel"),
		newReply("r-3", "M-1", "退款已到账", "Refund sent", "M-1 已退款", "M-1 refunded 100% of it"),
		newReply("r-2", "M-2", "催发货", "Ship please", "请尽快发货", "Please ship_soon"),
		newReply("r-4", "M-1", "催发货", "Hurry", "已催促仓库", "We asked the warehouse"),
	)
	if err != nil {
		t.Fatalf("InsertReply: %v", err)
	}
	// By title (zh) byte-wise — 催 (U+50AC) < 物 (U+7269) < 退 (U+9000) — then id.
	for _, c := range []struct {
		name string
		q    store.ReplyQuery
		want []string
	}{
		{"Platform", store.ReplyQuery{}, []string{"r-1", "r-5"}},
		{"PlatformAndMerchant", store.ReplyQuery{Merchant: "M-1"}, []string{"r-4", "r-1", "r-3", "r-5"}},
		{"AllMerchants", store.ReplyQuery{AllMerchants: true}, []string{"r-2", "r-4", "r-1", "r-3", "r-5"}},
		{"MerchantScope", store.ReplyQuery{Merchant: "M-1", Scope: "merchant"}, []string{"r-4", "r-3"}},
		{"PlatformScope", store.ReplyQuery{Merchant: "M-1", Scope: "platform"}, []string{"r-1", "r-5"}},
		{"AllMerchantsScope", store.ReplyQuery{AllMerchants: true, Scope: "merchant"}, []string{"r-2", "r-4", "r-3"}},
		{"NoMerchantMerchantScope", store.ReplyQuery{Scope: "merchant"}, []string{}},
		{"TitleZH", store.ReplyQuery{Merchant: "M-1", Query: "退款"}, []string{"r-3", "r-5"}},
		{"TitleOrBodyZH", store.ReplyQuery{AllMerchants: true, Query: "发货"}, []string{"r-2", "r-4"}},
		{"BodyZH", store.ReplyQuery{AllMerchants: true, Query: "仓库"}, []string{"r-4"}},
		{"TitleENAnyCase", store.ReplyQuery{Merchant: "M-1", Query: "refund"}, []string{"r-3", "r-5"}},
		{"BodyENAnyCase", store.ReplyQuery{Query: "Refund went"}, []string{"r-5"}},
		{"Percent", store.ReplyQuery{AllMerchants: true, Query: "100%"}, []string{"r-3"}},
		{"PercentIsNoWildcard", store.ReplyQuery{AllMerchants: true, Query: "M-1%it"}, []string{}},
		{"Underscore", store.ReplyQuery{AllMerchants: true, Query: "ship_soon"}, []string{"r-2"}},
		{"UnderscoreIsNoWildcard", store.ReplyQuery{AllMerchants: true, Query: "ship_please"}, []string{}},
		{"Backslash", store.ReplyQuery{AllMerchants: true, Query: `\`}, []string{}},
		{"NoMatch", store.ReplyQuery{AllMerchants: true, Query: "发票"}, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantEqual(t, "ListReplies", replyIDs(listReplies(t, s, c.q)), c.want)
		})
	}
	got := listReplies(t, s, store.ReplyQuery{Merchant: "M-2", Scope: "merchant"})
	want := newReply("r-2", "M-2", "催发货", "Ship please", "请尽快发货", "Please ship_soon")
	wantEqual(t, "ListReplies of M-2", got, []store.CannedReply{want})
	if !slices.Equal(replyIDs(listReplies(t, s, store.ReplyQuery{Merchant: "M-9"})), []string{"r-1", "r-5"}) {
		t.Fatal("ListReplies of a merchant without replies: not the platform's")
	}
}
