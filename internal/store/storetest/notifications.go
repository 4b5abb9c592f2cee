package storetest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Notifications (store.Notifications): each person's inbox, one notification per
// recipient and source, read newest first by keyset on the id; each person's channels; and
// single-use password-reset links that expire by the store's clock.
var notificationTests = []test{
	{name: "EveryFieldReadsBack", clocked: testNotificationRoundTrip},
	{name: "InsertIsIdempotentPerSource", run: testNotificationIdempotent},
	{name: "MalformedRefused", run: testNotificationMalformed},
	{name: "ListPagesNewestFirst", run: testNotificationPages},
	{name: "ListDefaultAndMaximumLimit", run: testNotificationLimits},
	{name: "ListBadCursor", run: testNotificationBadCursor},
	{name: "UnreadAndMarkRead", clocked: testNotificationsRead},
	{name: "PrefsSetReplaceAndNotFound", clocked: testNotificationPrefs},
	{name: "PasswordResetWorksOnce", clocked: testPasswordResetOnce},
	{name: "PasswordResetExpires", clocked: testPasswordResetExpiry},
	{name: "PasswordResetRefusals", run: testPasswordResetRefusals},
	{name: "UserAndCustomerEmail", run: testEmails},
}

// newNotification is a notification of an event on case-1 for recipient from source, at at.
func newNotification(recipient, source string, at time.Time) store.Notification {
	return store.Notification{Recipient: recipient, Source: source, Event: "case.approve", CaseID: "case-1",
		Subject: store.Text{ZH: "售后申请已通过", EN: "Your request was approved"},
		Body:    store.Text{ZH: "请在 7 天内寄回商品。", EN: "Please send the item back within 7 days."},
		Link:    "/cases/case-1", At: at}
}

// insertNotifications runs InsertNotification for each of ns in one transaction and
// returns what each answered.
func insertNotifications(t *testing.T, s store.Store, ns ...store.Notification) []bool {
	t.Helper()
	inserted := make([]bool, len(ns))
	mustUpdate(t, s, func(tx store.Tx) error {
		for i, n := range ns {
			var err error
			if inserted[i], err = tx.InsertNotification(t.Context(), n); err != nil {
				return err
			}
		}
		return nil
	})
	return inserted
}

// notificationPage runs one ListNotifications.
func notificationPage(t *testing.T, s store.Store, q store.NotificationQuery) (ns []store.Notification, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ns, next, err = tx.ListNotifications(t.Context(), q)
		return err
	})
	return ns, next
}

// allNotifications follows ListNotifications's cursors to the end.
func allNotifications(t *testing.T, s store.Store, q store.NotificationQuery) []store.Notification {
	t.Helper()
	all := []store.Notification{}
	for page := 0; ; page++ {
		if page > 2000 {
			t.Fatal("ListNotifications: more than 2000 pages; the cursor does not advance")
		}
		ns, next := notificationPage(t, s, q)
		all = append(all, ns...)
		if next == "" {
			return all
		}
		if q.Limit > 0 && len(ns) != q.Limit {
			t.Fatalf("ListNotifications: page %d has %d notifications and a next cursor; want %d", page, len(ns), q.Limit)
		}
		q.Cursor = next
	}
}

// sources are the sources of ns, in order.
func sources(ns []store.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Source
	}
	return out
}

// unread counts a recipient's unread notifications.
func unread(t *testing.T, s store.Store, recipient string) int {
	t.Helper()
	var n int
	mustView(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.UnreadNotifications(t.Context(), recipient)
		return err
	})
	return n
}

func testNotificationRoundTrip(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	full := newNotification("user:u-1", "outbox/41/case.approve", base.Add(999).In(shanghai))
	full.ReadAt = base.Add(time.Minute + 999).In(shanghai)
	bare := store.Notification{Recipient: "user:u-1", Source: "outbox/42/case.reject"} // At: the transaction's Now
	wantEqual(t, "inserted", insertNotifications(t, s, full, bare), []bool{true, true})
	got, next := notificationPage(t, s, store.NotificationQuery{Recipient: "user:u-1"})
	if len(got) != 2 || next != "" {
		t.Fatalf("ListNotifications = %s, %q; want two notifications and no next page", show(got), next)
	}
	if got[0].ID <= got[1].ID || got[1].ID <= 0 {
		t.Fatalf("ids %d, %d: want positive ids, newest first", got[0].ID, got[1].ID)
	}
	want := full
	want.ID, want.At, want.ReadAt = got[1].ID, base, base.Add(time.Minute)
	wantBare := bare
	wantBare.ID, wantBare.At = got[0].ID, base.Add(time.Hour)
	wantEqual(t, "notifications", got, []store.Notification{wantBare, want})
	if full.At.Location() != shanghai {
		t.Fatal("InsertNotification changed the caller's notification")
	}
	if n := unread(t, s, "user:u-1"); n != 1 {
		t.Fatalf("UnreadNotifications = %d, want 1 (one was inserted read)", n)
	}
	wantEqual(t, "unread notifications", allNotifications(t, s, store.NotificationQuery{Recipient: "user:u-1", Unread: true}),
		[]store.Notification{wantBare})
	if ns, _ := notificationPage(t, s, store.NotificationQuery{Recipient: "user:u-2"}); len(ns) != 0 {
		t.Fatalf("notifications of another recipient: %s", show(ns))
	}
}

// A notification relayed again (same recipient and source) is not shown twice: the second
// insert changes nothing, even with other content. Another recipient of the same source
// gets their own.
func testNotificationIdempotent(t *testing.T, s store.Store) {
	first := newNotification("customer:C-1", "outbox/7/case.approve", minute(0))
	again := newNotification("customer:C-1", "outbox/7/case.approve", minute(5))
	again.Subject, again.Link = store.Text{ZH: "改了", EN: "changed"}, "/elsewhere"
	staff := newNotification("user:u-1", "outbox/7/case.approve", minute(0))
	wantEqual(t, "inserted", insertNotifications(t, s, first, again, staff), []bool{true, false, true})
	wantEqual(t, "inserted again", insertNotifications(t, s, again), []bool{false})
	got := allNotifications(t, s, store.NotificationQuery{Recipient: "customer:C-1"})
	if len(got) != 1 {
		t.Fatalf("notifications of C-1: %s; want one", show(got))
	}
	first.ID = got[0].ID
	wantEqual(t, "C-1's notification", got[0], first)
	if n := unread(t, s, "user:u-1"); n != 1 {
		t.Fatalf("UnreadNotifications of u-1 = %d, want 1", n)
	}
}

func testNotificationMalformed(t *testing.T, s store.Store) {
	for _, n := range []store.Notification{
		newNotification("", "outbox/1/x", base),
		newNotification("user:u-1", "", base),
	} {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			_, err := tx.InsertNotification(t.Context(), n)
			return err
		})
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("InsertNotification %q %q = %v; want an error that is none of the sentinels", n.Recipient, n.Source, err)
		}
	}
	if n := unread(t, s, "user:u-1"); n != 0 {
		t.Fatalf("malformed notifications were stored: %d", n)
	}
}

func testNotificationPages(t *testing.T, s store.Store) {
	// 90 notifications of two recipients inserted in order (ids ascending), every third
	// read, all at one time: the order is the ids'.
	var ns []store.Notification
	for i := range 90 {
		n := newNotification("user:u-1", fmt.Sprintf("src-%03d", i), base)
		if i%4 == 0 {
			n.Recipient = "user:u-2"
		}
		if i%3 == 0 {
			n.ReadAt = base
		}
		ns = append(ns, n)
	}
	insertNotifications(t, s, ns...)
	var want, wantUnread []string
	for i := len(ns) - 1; i >= 0; i-- {
		if n := ns[i]; n.Recipient == "user:u-1" {
			want = append(want, n.Source)
			if n.ReadAt.IsZero() {
				wantUnread = append(wantUnread, n.Source)
			}
		}
	}
	for _, limit := range []int{1, 7, 50, 66, 67, 68, 500} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			got := allNotifications(t, s, store.NotificationQuery{Recipient: "user:u-1", Limit: limit})
			wantEqual(t, "notifications over all pages", sources(got), want)
			for i := 1; i < len(got); i++ {
				if got[i].ID >= got[i-1].ID {
					t.Fatalf("ids %d then %d: want newest (highest) first", got[i-1].ID, got[i].ID)
				}
			}
		})
	}
	wantEqual(t, "unread notifications over pages of 7",
		sources(allNotifications(t, s, store.NotificationQuery{Recipient: "user:u-1", Unread: true, Limit: 7})), wantUnread)
	if n := unread(t, s, "user:u-1"); n != len(wantUnread) {
		t.Fatalf("UnreadNotifications = %d, want %d", n, len(wantUnread))
	}
}

func testNotificationLimits(t *testing.T, s store.Store) {
	ns := make([]store.Notification, 501)
	for i := range ns {
		ns[i] = newNotification("user:u-1", fmt.Sprintf("src-%03d", i), base)
	}
	insertNotifications(t, s, ns...)
	for _, l := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {500, 500}, {1000, 500}} {
		page, next := notificationPage(t, s, store.NotificationQuery{Recipient: "user:u-1", Limit: l.limit})
		if len(page) != l.want || next == "" {
			t.Fatalf("Limit %d: %d notifications and next %q; want %d and a next page", l.limit, len(page), next, l.want)
		}
	}
	if got := allNotifications(t, s, store.NotificationQuery{Recipient: "user:u-1", Limit: 500}); len(got) != 501 {
		t.Fatalf("pages of 500 hold %d notifications, want 501", len(got))
	}
}

func testNotificationBadCursor(t *testing.T, s store.Store) {
	insertNotifications(t, s, newNotification("user:u-1", "a", base), newNotification("user:u-1", "b", base))
	mustInsertTasks(t, s, newTask("t-1", "case-1", "M-1", base), newTask("t-2", "case-1", "M-1", base))
	_, taskCursor := taskPage(t, s, store.TaskQuery{Limit: 1})
	for _, cursor := range append(slices.Clone(otherCursors),
		taskCursor, // a ListTasks cursor
		b64("notifications/"),
		b64("notifications/soon"),
		b64("notifications/0"),
		b64("notifications/-3"),
		b64("12"),
	) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListNotifications(t.Context(), store.NotificationQuery{Recipient: "user:u-1", Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListNotifications with cursor %q", cursor), err, store.ErrBadCursor)
	}
}

// MarkNotificationsRead marks the recipient's own unread notifications read at Now(): those
// named, or all of them; ids of someone else's change nothing, and a notification read
// keeps its first time.
func testNotificationsRead(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	var ns []store.Notification
	for i := range 5 {
		ns = append(ns, newNotification("user:u-1", fmt.Sprintf("src-%d", i), minute(i)))
	}
	ns = append(ns, newNotification("user:u-2", "src-9", minute(9)))
	insertNotifications(t, s, ns...)
	ids := map[string]int64{}
	for _, who := range []string{"user:u-1", "user:u-2"} {
		for _, n := range allNotifications(t, s, store.NotificationQuery{Recipient: who}) {
			ids[n.Source] = n.ID
		}
	}
	mark := func(recipient string, ids ...int64) int {
		t.Helper()
		var n int
		mustUpdate(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.MarkNotificationsRead(t.Context(), recipient, ids)
			return err
		})
		return n
	}
	readAt := func(source string) time.Time {
		t.Helper()
		for _, who := range []string{"user:u-1", "user:u-2"} {
			for _, n := range allNotifications(t, s, store.NotificationQuery{Recipient: who}) {
				if n.Source == source {
					return n.ReadAt
				}
			}
		}
		t.Fatalf("no notification from %s", source)
		return time.Time{}
	}
	wantEqual(t, "unread of u-1", unread(t, s, "user:u-1"), 5)

	clk.Set(base.Add(time.Hour))
	wantEqual(t, "marked src-1 and src-3 (and u-2's src-9)", mark("user:u-1", ids["src-1"], ids["src-3"], ids["src-9"]), 2)
	wantEqual(t, "unread of u-1 after marking two", unread(t, s, "user:u-1"), 3)
	wantEqual(t, "unread of u-2: another's mark changes nothing", unread(t, s, "user:u-2"), 1)
	wantEqual(t, "src-1 read at", readAt("src-1"), base.Add(time.Hour))
	wantEqual(t, "src-9 read at", readAt("src-9"), time.Time{})
	wantEqual(t, "unread of u-1, listed", sources(allNotifications(t, s,
		store.NotificationQuery{Recipient: "user:u-1", Unread: true})), []string{"src-4", "src-2", "src-0"})

	clk.Set(base.Add(2 * time.Hour))
	wantEqual(t, "src-1 again, unknown ids", mark("user:u-1", ids["src-1"], 999999), 0)
	wantEqual(t, "all of u-1's", mark("user:u-1"), 3)
	wantEqual(t, "all of u-1's with an empty list", mark("user:u-1", []int64{}...), 0)
	wantEqual(t, "unread of u-1 after marking all", unread(t, s, "user:u-1"), 0)
	wantEqual(t, "unread of u-2 after u-1 marked all", unread(t, s, "user:u-2"), 1)
	wantEqual(t, "src-1 keeps its first time", readAt("src-1"), base.Add(time.Hour))
	wantEqual(t, "src-4 read at", readAt("src-4"), base.Add(2*time.Hour))
	wantEqual(t, "unread of nobody", unread(t, s, "user:none"), 0)
	wantEqual(t, "marked of nobody", mark("user:none"), 0)
}

func testNotificationPrefs(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	ctx := t.Context()
	err := s.View(ctx, func(tx store.Tx) error {
		_, err := tx.NotificationPrefs(ctx, "user:u-1")
		return err
	})
	wantErr(t, "NotificationPrefs of someone who never chose", err, store.ErrNotFound)
	p := store.NotificationPrefs{Person: "user:u-1", Email: true, Address: "li.lei@example.com", Locale: "zh"}
	q := store.NotificationPrefs{Person: "customer:C-1", SMS: true, Phone: "+86 138 0000 0000", Locale: "en",
		UpdatedAt: base.Add(-time.Hour + 999).In(shanghai)}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.SetNotificationPrefs(ctx, p); err != nil {
			return err
		}
		return tx.SetNotificationPrefs(ctx, q)
	})
	read := func(person string) store.NotificationPrefs {
		t.Helper()
		var got store.NotificationPrefs
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.NotificationPrefs(ctx, person)
			return err
		})
		return got
	}
	p.UpdatedAt = base // a zero UpdatedAt is the transaction's Now
	wantEqual(t, "prefs of u-1", read("user:u-1"), p)
	q.UpdatedAt = base.Add(-time.Hour)
	wantEqual(t, "prefs of C-1", read("customer:C-1"), q)

	clk.Set(base.Add(time.Hour))
	changed := store.NotificationPrefs{Person: "user:u-1", SMS: true, Phone: "13800000000", Locale: "en"}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.SetNotificationPrefs(ctx, changed); err != nil {
			return err
		}
		got, err := tx.NotificationPrefs(ctx, "user:u-1") // read back in the same transaction
		if err != nil {
			return err
		}
		wantEqual(t, "prefs of u-1 in the transaction that set them", got.Phone, changed.Phone)
		return nil
	})
	changed.UpdatedAt = base.Add(time.Hour)
	wantEqual(t, "prefs of u-1 replaced", read("user:u-1"), changed)
	wantEqual(t, "prefs of C-1 unchanged", read("customer:C-1"), q)
}

// resetHash is the SHA-256 of a reset link's secret.
func resetHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// usePasswordReset runs UsePasswordReset in its own transaction.
func usePasswordReset(t *testing.T, s store.Store, hash []byte) (store.PasswordReset, error) {
	t.Helper()
	var r store.PasswordReset
	err := s.Update(t.Context(), func(tx store.Tx) error {
		var err error
		r, err = tx.UsePasswordReset(t.Context(), hash)
		return err
	})
	return r, err
}

func testPasswordResetOnce(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	insertUsers(t, s, sampleUser("u-1", "li.lei", "admin", ""), sampleUser("u-2", "han.meimei", "agent", ""))
	r := store.PasswordReset{Hash: resetHash("secret-1"), UserID: "u-1", ExpiresAt: base.Add(time.Hour + 999).In(shanghai)}
	r2 := store.PasswordReset{Hash: resetHash("secret-2"), UserID: "u-1", ExpiresAt: base.Add(time.Hour),
		CreatedAt: base.Add(-time.Minute)}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertPasswordReset(t.Context(), r); err != nil {
			return err
		}
		return tx.InsertPasswordReset(t.Context(), r2)
	})

	clk.Set(base.Add(10 * time.Minute))
	got, err := usePasswordReset(t, s, resetHash("secret-1"))
	if err != nil {
		t.Fatalf("UsePasswordReset: %v", err)
	}
	want := store.PasswordReset{Hash: resetHash("secret-1"), UserID: "u-1", ExpiresAt: base.Add(time.Hour),
		UsedAt: base.Add(10 * time.Minute), CreatedAt: base}
	wantEqual(t, "the reset used", got, want)
	_, err = usePasswordReset(t, s, resetHash("secret-1"))
	wantErr(t, "UsePasswordReset a second time", err, store.ErrNotFound)
	_, err = usePasswordReset(t, s, resetHash("secret-none"))
	wantErr(t, "UsePasswordReset of an unknown secret", err, store.ErrNotFound)
	_, err = usePasswordReset(t, s, nil)
	wantErr(t, "UsePasswordReset of no hash", err, store.ErrNotFound)

	// A refusal leaves the transaction usable; the other link works on its own.
	mustUpdate(t, s, func(tx store.Tx) error {
		_, err := tx.UsePasswordReset(t.Context(), resetHash("secret-1"))
		wantErr(t, "a used link", err, store.ErrNotFound)
		got, err := tx.UsePasswordReset(t.Context(), resetHash("secret-2"))
		if err != nil {
			return err
		}
		r2.UsedAt = base.Add(10 * time.Minute)
		wantEqual(t, "the other reset used", got, r2)
		return nil
	})
	// Nothing commits a use that failed with its transaction.
	r3 := store.PasswordReset{Hash: resetHash("secret-3"), UserID: "u-2", ExpiresAt: base.Add(time.Hour)}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertPasswordReset(t.Context(), r3) })
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if _, err := tx.UsePasswordReset(t.Context(), r3.Hash); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "a failed transaction", err, errBoom)
	got, err = usePasswordReset(t, s, r3.Hash)
	if err != nil || got.UserID != "u-2" {
		t.Fatalf("UsePasswordReset after a rolled-back use = %s, %v", show(got), err)
	}
}

// A link expires at its ExpiresAt by the store's clock: it works a microsecond before,
// not at that time.
func testPasswordResetExpiry(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	insertUsers(t, s, sampleUser("u-1", "li.lei", "admin", ""))
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, secret := range []string{"a", "b"} {
			r := store.PasswordReset{Hash: resetHash(secret), UserID: "u-1", ExpiresAt: base.Add(time.Hour)}
			if err := tx.InsertPasswordReset(t.Context(), r); err != nil {
				return err
			}
		}
		return nil
	})
	clk.Set(base.Add(time.Hour - time.Microsecond))
	if _, err := usePasswordReset(t, s, resetHash("a")); err != nil {
		t.Fatalf("UsePasswordReset a microsecond before it expires: %v", err)
	}
	clk.Set(base.Add(time.Hour))
	_, err := usePasswordReset(t, s, resetHash("b"))
	wantErr(t, "UsePasswordReset at its expiry", err, store.ErrNotFound)
	clk.Set(base.Add(2 * time.Hour))
	_, err = usePasswordReset(t, s, resetHash("b"))
	wantErr(t, "UsePasswordReset after its expiry", err, store.ErrNotFound)
}

// A taken hash is ErrConflict and an unknown user ErrNotFound, reported by the call; the
// transaction stays usable.
func testPasswordResetRefusals(t *testing.T, s store.Store) {
	ctx := t.Context()
	insertUsers(t, s, sampleUser("u-1", "li.lei", "admin", ""))
	r := store.PasswordReset{Hash: resetHash("a"), UserID: "u-1", ExpiresAt: base.Add(time.Hour), CreatedAt: base}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertPasswordReset(ctx, r) })
	taken := r
	taken.UserID, taken.ExpiresAt = "u-1", base.Add(48*time.Hour)
	unknown := store.PasswordReset{Hash: resetHash("b"), UserID: "u-none", ExpiresAt: base.Add(time.Hour)}
	for _, c := range []struct {
		name string
		r    store.PasswordReset
		want error
	}{{"a taken hash", taken, store.ErrConflict}, {"an unknown user", unknown, store.ErrNotFound}} {
		var refused error
		err := s.Update(ctx, func(tx store.Tx) error {
			refused = tx.InsertPasswordReset(ctx, c.r)
			return refused
		})
		wantErr(t, "InsertPasswordReset of "+c.name, refused, c.want)
		wantErr(t, "Update", err, c.want)
	}
	ok := store.PasswordReset{Hash: resetHash("c"), UserID: "u-1", ExpiresAt: base.Add(time.Hour), CreatedAt: base}
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "a taken hash", tx.InsertPasswordReset(ctx, taken), store.ErrConflict)
		wantErr(t, "an unknown user", tx.InsertPasswordReset(ctx, unknown), store.ErrNotFound)
		return tx.InsertPasswordReset(ctx, ok)
	})
	for _, m := range []store.PasswordReset{
		{UserID: "u-1", ExpiresAt: base.Add(time.Hour)},
		{Hash: resetHash("d"), ExpiresAt: base.Add(time.Hour)},
		{Hash: resetHash("d"), UserID: "u-1"},
	} {
		err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertPasswordReset(ctx, m) })
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("InsertPasswordReset %s = %v; want an error that is none of the sentinels", show(m), err)
		}
	}
}

// Staff accounts and customers keep an email address: written by InsertUser, UpdateUser and
// UpdateCustomer, read by every lookup.
func testEmails(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := sampleUser("u-1", "li.lei", "admin", "")
	u.Email, u.CreatedAt = "li.lei@example.com", base
	bare := sampleUser("u-2", "han.meimei", "agent", "")
	bare.Email, bare.CreatedAt = "", base
	insertUsers(t, s, u, bare)
	wantUser(t, s, "account with an email", u)
	wantUser(t, s, "account without an email", bare)
	u.Email = "lei.li@example.org"
	bare.Email = "han@example.com"
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return tx.UpdateUser(ctx, bare)
	})
	wantUser(t, s, "account with a new email", u)
	mustView(t, s, func(tx store.Tx) error {
		us, err := tx.Users(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "Users", us, []store.User{bare, u})
		return nil
	})

	c := store.Customer{ID: "C-1", Name: "王小明", Phone: "13800000000", Email: "wang@example.com"}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.EnsureCustomer(ctx, "C-1"); err != nil {
			return err
		}
		got, err := tx.Customer(ctx, "C-1")
		if err != nil {
			return err
		}
		wantEqual(t, "new customer", got, store.Customer{ID: "C-1"})
		return tx.UpdateCustomer(ctx, c)
	})
	read := func() store.Customer {
		var got store.Customer
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.Customer(ctx, "C-1")
			return err
		})
		return got
	}
	wantEqual(t, "customer with an email", read(), c)
	c.Email = ""
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateCustomer(ctx, c) })
	wantEqual(t, "customer without an email", read(), c)
}
