package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var sessionTests = []test{
	{name: "InsertThenGetByHash", run: testSessionInsertGet},
	{name: "TakenHashAndUnknownUserRefused", run: testSessionRefused},
	{name: "TouchMovesLastSeenAndExpiry", run: testSessionTouch},
	{name: "DeleteEndsOneSession", run: testSessionDelete},
	{name: "DeleteUserSessionsEndsAllOfAnAccount", run: testDeleteUserSessions},
}

// sessionHash is the SHA-256 of a session id, as the application keeps it.
func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte("session " + id))
	return h[:]
}

// staffSession is a session of an account, with every field set.
func staffSession(id, userID string) store.Session {
	return store.Session{IDHash: sessionHash(id), Role: "agent", UserID: userID,
		Scope: []string{"M-2", "M-1"}, CSRFToken: "csrf-" + id, Addr: "203.0.113.7",
		Client: "Mozilla/5.0 (Macintosh) 微信", CreatedAt: base, LastSeenAt: base.Add(time.Minute),
		ExpiresAt: base.Add(12 * time.Hour)}
}

// customerSession is a session opened by a shop's login link: no account.
func customerSession(id, customer string) store.Session {
	return store.Session{IDHash: sessionHash(id), Role: "customer", Merchant: "platform", Customer: customer,
		CSRFToken: "csrf-" + id, Addr: "2001:db8::1", Client: "curl/8", CreatedAt: base,
		LastSeenAt: base, ExpiresAt: base.Add(30 * time.Minute)}
}

// seedSessionUsers creates the accounts u-1 and u-2.
func seedSessionUsers(t *testing.T, s store.Store) {
	t.Helper()
	u1, u2 := sampleUser("u-1", "agent-1", "agent", ""), sampleUser("u-2", "agent-2", "agent", "")
	u1.CreatedAt, u2.CreatedAt = base, base
	insertUsers(t, s, u1, u2)
}

// insertSessions stores sessions in one transaction.
func insertSessions(t *testing.T, s store.Store, ss ...store.Session) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, se := range ss {
			if err := tx.InsertSession(t.Context(), se); err != nil {
				return err
			}
		}
		return nil
	})
}

// wantSessions fails the test unless each session is found by its hash as given, and
// each gone hash is not found.
func wantSessions(t *testing.T, s store.Store, what string, found []store.Session, gone ...[]byte) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		for _, want := range found {
			got, err := tx.Session(t.Context(), want.IDHash)
			if err != nil {
				return err
			}
			wantEqual(t, what+": session "+want.CSRFToken, got, want)
		}
		for _, h := range gone {
			_, err := tx.Session(t.Context(), h)
			wantErr(t, what+": a session that is gone", err, store.ErrNotFound)
		}
		return nil
	})
}

func testSessionInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedSessionUsers(t, s)
	staff := staffSession("s-1", "u-1")
	// Given in another zone and to the nanosecond, kept in UTC to the microsecond.
	staff.ExpiresAt = time.Date(2025, 3, 10, 21, 30, 0, 123456789, shanghai)
	customer := customerSession("s-2", "C-1")
	customer.CreatedAt, customer.LastSeenAt = time.Time{}, time.Time{} // become Now
	// Expired long ago: Session still returns it, the caller decides.
	expired := customerSession("s-3", "C-2")
	expired.ExpiresAt = base.Add(-24 * time.Hour)
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		for _, se := range []store.Session{staff, customer, expired} {
			if err := tx.InsertSession(ctx, se); err != nil {
				return err
			}
		}
		return nil
	})
	staff.ExpiresAt = time.Date(2025, 3, 10, 13, 30, 0, 123456000, time.UTC)
	customer.CreatedAt, customer.LastSeenAt = now, now
	wantSessions(t, s, "stored", []store.Session{staff, customer, expired}, sessionHash("s-none"))
}

func testSessionRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedSessionUsers(t, s)
	first := staffSession("s-1", "u-1")
	insertSessions(t, s, first)
	again := customerSession("s-1", "C-1")
	err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertSession(ctx, again) })
	wantErr(t, "InsertSession of a taken hash", err, store.ErrConflict)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.InsertSession(ctx, staffSession("s-2", "u-none")) })
	wantErr(t, "InsertSession of an unknown account", err, store.ErrNotFound)
	wantSessions(t, s, "after refused inserts", []store.Session{first}, sessionHash("s-2"))
}

func testSessionTouch(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedSessionUsers(t, s)
	se, other := staffSession("s-1", "u-1"), staffSession("s-2", "u-1")
	insertSessions(t, s, se, other)
	seen := time.Date(2025, 3, 10, 19, 0, 0, 500000999, shanghai)
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.TouchSession(ctx, se.IDHash, seen, seen.Add(12*time.Hour))
	})
	se.LastSeenAt = time.Date(2025, 3, 10, 11, 0, 0, 500000000, time.UTC)
	se.ExpiresAt = se.LastSeenAt.Add(12 * time.Hour)
	wantSessions(t, s, "after TouchSession", []store.Session{se, other})
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.TouchSession(ctx, sessionHash("s-none"), seen, seen.Add(time.Hour))
	})
	wantErr(t, "TouchSession of an unknown session", err, store.ErrNotFound)
}

func testSessionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedSessionUsers(t, s)
	s1, s2 := staffSession("s-1", "u-1"), customerSession("s-2", "C-1")
	insertSessions(t, s, s1, s2)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, s1.IDHash) })
	wantSessions(t, s, "after logout", []store.Session{s2}, s1.IDHash)
	// Logging out twice, or out of a session that never was, is not an error.
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, s1.IDHash); err != nil {
			return err
		}
		return tx.DeleteSession(ctx, sessionHash("s-none"))
	})
	wantSessions(t, s, "after deleting gone sessions", []store.Session{s2}, s1.IDHash)
}

func testDeleteUserSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedSessionUsers(t, s)
	a1, a2 := staffSession("s-1", "u-1"), staffSession("s-2", "u-1")
	b := staffSession("s-3", "u-2")
	c := customerSession("s-4", "C-1")
	insertSessions(t, s, a1, a2, b, c)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.DeleteUserSessions(ctx, "u-1") })
	wantSessions(t, s, "after DeleteUserSessions", []store.Session{b, c}, a1.IDHash, a2.IDHash)
	// An account without sessions, and an unknown one, are not errors.
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.DeleteUserSessions(ctx, "u-1"); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, "u-none")
	})
	wantSessions(t, s, "after deleting again", []store.Session{b, c})
}

var shopSecretTests = []test{
	{name: "SetGetReplace", run: testShopSecrets},
	{name: "LoginLinksAreSingleUse", clocked: testLoginLinksSingleUse},
}

// A login link is used once: a second use is a conflict, in a later transaction or the
// same one, until the link has expired and its record is dropped.
func testLoginLinksSingleUse(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	clk.Set(base)
	first, second := sessionHash("link-1"), sessionHash("link-2")
	use := func(h []byte, expires time.Time) error {
		var err error
		_ = s.Update(ctx, func(tx store.Tx) error {
			err = tx.UseLoginLink(ctx, h, expires)
			return err
		})
		return err
	}
	if err := use(first, base.Add(10*time.Minute)); err != nil {
		t.Fatalf("first use: %v", err)
	}
	wantErr(t, "the same link again", use(first, base.Add(10*time.Minute)), store.ErrConflict)
	if err := use(second, base.Add(5*time.Minute)); err != nil {
		t.Fatalf("another link: %v", err)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.UseLoginLink(ctx, sessionHash("link-3"), base.Add(time.Minute)); err != nil {
			return err
		}
		return tx.UseLoginLink(ctx, sessionHash("link-3"), base.Add(time.Minute))
	})
	wantErr(t, "the same link twice in one transaction", err, store.ErrConflict)
	if err := use(sessionHash("link-3"), base.Add(time.Minute)); err != nil {
		t.Fatalf("a link whose use was rolled back: %v", err)
	}

	// Past the second link's expiry its record goes; the first is kept until its own.
	clk.Set(base.Add(5 * time.Minute))
	if err := use(second, base.Add(5*time.Minute)); err != nil {
		t.Fatalf("the record of an expired link was not dropped: %v", err)
	}
	wantErr(t, "a link not yet expired", use(first, base.Add(10*time.Minute)), store.ErrConflict)
}

func testShopSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.ShopSecret(ctx, "M-1")
		wantErr(t, "ShopSecret of a shop without one", err, store.ErrNotFound)
		return nil
	})
	m1, platform := []byte("m1-secret-0123456789abcdef"), []byte{0x00, 0xff, 0x10, 0x80, 0x7f}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.SetShopSecret(ctx, "M-1", m1); err != nil {
			return err
		}
		return tx.SetShopSecret(ctx, "platform", platform)
	})
	want := func(what string, secrets map[string][]byte) {
		t.Helper()
		mustView(t, s, func(tx store.Tx) error {
			for shop, secret := range secrets {
				got, err := tx.ShopSecret(ctx, shop)
				if err != nil {
					return err
				}
				wantEqual(t, what+": secret of "+shop, got, secret)
			}
			_, err := tx.ShopSecret(ctx, "M-2")
			wantErr(t, what+": ShopSecret of another shop", err, store.ErrNotFound)
			return nil
		})
	}
	want("set", map[string][]byte{"M-1": m1, "platform": platform})

	rotated := []byte("m1-rotated-secret")
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SetShopSecret(ctx, "M-1", rotated) })
	want("replaced", map[string][]byte{"M-1": rotated, "platform": platform})

	// An empty secret would let anyone sign login links.
	for _, empty := range [][]byte{nil, {}} {
		err := s.Update(ctx, func(tx store.Tx) error { return tx.SetShopSecret(ctx, "M-1", empty) })
		if err == nil {
			t.Fatal("SetShopSecret of an empty secret: no error")
		}
	}
	want("after refused empty secrets", map[string][]byte{"M-1": rotated, "platform": platform})
}
