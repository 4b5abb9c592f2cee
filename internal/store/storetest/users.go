package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var userTests = []test{
	{name: "InsertThenGetByIDAndUsername", run: testUserInsertGet},
	{name: "DuplicateUsernameConflicts", run: testUserDuplicate},
	{name: "UpdateReplacesEveryMutableField", run: testUserUpdate},
	{name: "ListByUsername", run: testUsersList},
	{name: "MerchantStaffNeedAMerchantOthersNone", run: testUserMerchantStaffRule},
	{name: "StaffForAMerchantAreItsOwnAndThePlatforms", run: testStaffFor},
}

// StaffFor a merchant: its enabled staff and the platform's enabled accounts, by username;
// never another merchant's staff or a disabled account.
func testStaffFor(t *testing.T, s store.Store) {
	seedMerchants(t, s, "M-1", "M-2")
	at := func(u store.User, i int) store.User {
		u.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		return u
	}
	own := at(sampleUser("u-1", "m1-zhao", "merchant", "M-1"), 1)
	own2 := at(sampleUser("u-2", "m1-qian", "merchant", "M-1"), 2)
	gone := at(sampleUser("u-3", "m1-sun", "merchant", "M-1"), 3)
	gone.DisabledAt = base.Add(time.Hour)
	other := at(sampleUser("u-4", "m2-li", "merchant", "M-2"), 4)
	agent := at(sampleUser("u-5", "agent-zhou", "agent", ""), 5)
	scoped := at(sampleUser("u-6", "sup-wu", "supervisor", ""), 6)
	scoped.Scope = []string{"M-2"}
	admin := at(sampleUser("u-7", "admin-zheng", "admin", ""), 7)
	retired := at(sampleUser("u-8", "agent-wang", "agent", ""), 8)
	retired.DisabledAt = base.Add(time.Hour)
	insertUsers(t, s, own, own2, gone, other, agent, scoped, admin, retired)
	staff := func(merchant string) []store.User {
		t.Helper()
		var got []store.User
		mustView(t, s, func(tx store.Tx) (err error) {
			got, err = tx.StaffFor(t.Context(), merchant)
			return err
		})
		return got
	}
	wantEqual(t, "staff for M-1", staff("M-1"), []store.User{admin, agent, own2, own, scoped})
	wantEqual(t, "staff for M-2", staff("M-2"), []store.User{admin, agent, other, scoped})
	wantEqual(t, "staff for no merchant", staff(""), []store.User{admin, agent, scoped})
}

// shanghai is a zone other than UTC: the store keeps times in UTC.
var shanghai = time.FixedZone("CST", 8*3600)

// sampleUser is an account with every field set but the times the store fills in.
func sampleUser(id, username, role, merchant string) store.User {
	return store.User{ID: id, Username: username, DisplayName: "客服 " + username, Email: username + "@example.com",
		Role: role, Merchant: merchant, PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$" + id}
}

// seedMerchants creates merchants by code.
func seedMerchants(t *testing.T, s store.Store, codes ...string) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, code := range codes {
			if err := tx.EnsureMerchant(t.Context(), code); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertUsers stores accounts in one transaction.
func insertUsers(t *testing.T, s store.Store, us ...store.User) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, u := range us {
			if err := tx.InsertUser(t.Context(), u); err != nil {
				return err
			}
		}
		return nil
	})
}

// wantUser fails the test unless both lookups find want.
func wantUser(t *testing.T, s store.Store, what string, want store.User) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.User(t.Context(), want.ID)
		if err != nil {
			return err
		}
		wantEqual(t, what+" by id", got, want)
		got, err = tx.UserByUsername(t.Context(), want.Username)
		if err != nil {
			return err
		}
		wantEqual(t, what+" by username", got, want)
		return nil
	})
}

func testUserInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedMerchants(t, s, "M-1", "M-2")
	staff := sampleUser("u-1", "li.lei", "merchant", "M-1")
	staff.FailedLogins = 2
	// Given in another zone and to the nanosecond, kept in UTC to the microsecond.
	staff.LockedUntil = time.Date(2025, 3, 10, 17, 45, 0, 123456789, shanghai)
	agent := sampleUser("u-2", "han.meimei", "agent", "")
	agent.Scope = []string{"M-2", "M-1"} // kept in the order given
	agent.CreatedAt = base.Add(-time.Hour)
	agent.DisabledAt = base
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		if err := tx.InsertUser(ctx, staff); err != nil {
			return err
		}
		return tx.InsertUser(ctx, agent)
	})
	staff.CreatedAt = now // a zero CreatedAt becomes the transaction's Now
	staff.LockedUntil = time.Date(2025, 3, 10, 9, 45, 0, 123456000, time.UTC)
	wantUser(t, s, "merchant staff", staff)
	wantUser(t, s, "agent", agent)
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.User(ctx, "u-none")
		wantErr(t, "User of an unknown id", err, store.ErrNotFound)
		_, err = tx.UserByUsername(ctx, "nobody")
		wantErr(t, "UserByUsername of an unknown username", err, store.ErrNotFound)
		// A username is matched exactly.
		_, err = tx.UserByUsername(ctx, "LI.LEI")
		wantErr(t, "UserByUsername in other case", err, store.ErrNotFound)
		return nil
	})
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertUser(ctx, sampleUser("u-3", "zhang.san", "merchant", "M-none"))
	})
	wantErr(t, "InsertUser of merchant staff of an unknown merchant", err, store.ErrNotFound)
}

func testUserDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	insertUsers(t, s, sampleUser("u-1", "li.lei", "admin", ""))
	err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, sampleUser("u-2", "li.lei", "agent", "")) })
	wantErr(t, "InsertUser of a taken username", err, store.ErrConflict)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, sampleUser("u-1", "wang.wu", "agent", "")) })
	wantErr(t, "InsertUser of a taken id", err, store.ErrConflict)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Users(ctx)
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].ID != "u-1" || got[0].Role != "admin" {
			t.Fatalf("users after refused inserts: %s", show(got))
		}
		_, err = tx.User(ctx, "u-2")
		wantErr(t, "User refused", err, store.ErrNotFound)
		return nil
	})
}

func testUserUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedMerchants(t, s, "M-1", "M-2", "M-3")
	u := sampleUser("u-1", "han.meimei", "agent", "")
	u.Scope = []string{"M-1"}
	u.CreatedAt = base
	insertUsers(t, s, u)

	// Every mutable field changes; ID, Username and CreatedAt are not the update's to change.
	changed := store.User{
		ID:           "u-1",
		Username:     "renamed",
		DisplayName:  "韩梅梅 (supervisor)",
		Email:        "meimei.han@example.org",
		Role:         "supervisor",
		Scope:        []string{"M-3", "M-1", "M-2"},
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$newhash",
		FailedLogins: 5,
		LockedUntil:  time.Date(2025, 3, 10, 18, 0, 0, 999999999, shanghai),
		CreatedAt:    base.Add(24 * time.Hour),
		DisabledAt:   base.Add(2 * time.Hour).In(shanghai),
	}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, changed) })
	want := changed
	want.Username, want.CreatedAt = u.Username, u.CreatedAt
	want.LockedUntil = time.Date(2025, 3, 10, 10, 0, 0, 999999000, time.UTC)
	want.DisabledAt = base.Add(2 * time.Hour)
	wantUser(t, s, "account after UpdateUser", want)

	// Back to an active merchant account: the lockout is cleared, the scope emptied, the
	// account enabled again.
	staff := want
	staff.Role, staff.Merchant, staff.Scope = "merchant", "M-2", nil
	staff.FailedLogins, staff.LockedUntil, staff.DisabledAt = 0, time.Time{}, time.Time{}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, staff) })
	wantUser(t, s, "account made merchant staff", staff)
	// An empty scope list reads back nil, like no list.
	staff.Role, staff.Merchant, staff.Scope = "agent", "", []string{}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, staff) })
	staff.Scope = nil
	wantUser(t, s, "account with an empty scope list", staff)

	err := s.Update(ctx, func(tx store.Tx) error { return tx.UpdateUser(ctx, sampleUser("u-none", "x", "admin", "")) })
	wantErr(t, "UpdateUser of an unknown id", err, store.ErrNotFound)
}

func testUsersList(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Users(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "users of an empty store", len(got), 0)
		return nil
	})
	seedMerchants(t, s, "M-1")
	names := []string{"user-c", "user-a", "user-e", "user-b", "user-d"}
	var us []store.User
	for i, name := range names {
		u := sampleUser(fmt.Sprintf("u-%d", len(names)-i), name, "agent", "") // ids against the names' order
		if i%2 == 0 {
			u.Role, u.Merchant = "merchant", "M-1"
		}
		u.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		us = append(us, u)
	}
	insertUsers(t, s, us...)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Users(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "users by username", got, []store.User{us[1], us[3], us[0], us[4], us[2]})
		return nil
	})
}

// wantStaffRule fails the test unless err is the refusal of the users_merchant_staff
// constraint as store.go describes it: named, and none of the sentinels.
func wantStaffRule(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want the users_merchant_staff refusal", what)
	}
	for _, sentinel := range []error{store.ErrConflict, store.ErrNotFound, store.ErrExceeded} {
		if errors.Is(err, sentinel) {
			t.Fatalf("%s: err = %v is %v, want none of the sentinels", what, err, sentinel)
		}
	}
	if !strings.Contains(err.Error(), "users_merchant_staff") {
		t.Fatalf("%s: err = %v does not name users_merchant_staff", what, err)
	}
}

func testUserMerchantStaffRule(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedMerchants(t, s, "M-1")
	insert := func(u store.User) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, u) })
	}
	wantStaffRule(t, "InsertUser of merchant staff without a merchant", insert(sampleUser("u-1", "staff", "merchant", "")))
	for _, role := range []string{"agent", "supervisor", "admin"} {
		wantStaffRule(t, "InsertUser of a "+role+" with a merchant", insert(sampleUser("u-1", role, role, "M-1")))
	}
	agent := sampleUser("u-1", "agent", "agent", "")
	agent.CreatedAt = base
	staff := sampleUser("u-2", "staff", "merchant", "M-1")
	staff.CreatedAt = base
	insertUsers(t, s, agent, staff)
	update := func(u store.User) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.UpdateUser(ctx, u) })
	}
	bad := agent
	bad.Role = "merchant"
	wantStaffRule(t, "UpdateUser of an agent to merchant staff without a merchant", update(bad))
	bad = staff
	bad.Merchant = ""
	wantStaffRule(t, "UpdateUser of merchant staff dropping the merchant", update(bad))
	bad = staff
	bad.Role = "admin"
	wantStaffRule(t, "UpdateUser of merchant staff to admin keeping the merchant", update(bad))
	wantUser(t, s, "agent after refused updates", agent)
	wantUser(t, s, "merchant staff after refused updates", staff)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Users(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "accounts after refused inserts", len(got), 2)
		return nil
	})
}
