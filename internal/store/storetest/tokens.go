package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var tokenTests = []test{
	{name: "InsertThenFindByHash", run: testTokens},
	{name: "DuplicateConflicts", run: testTokenDuplicate},
	{name: "ListNewestFirst", run: testTokensList},
	{name: "RevokeKeepsFirstTime", clocked: testTokenRevoke},
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	h1, h2 := sha256.Sum256([]byte("secret-1")), sha256.Sum256([]byte("secret-2"))
	t1 := store.Token{ID: "tok-1", Hash: h1[:], Name: "shop sync", Role: "integration", Merchant: "M-1"}
	t2 := store.Token{ID: "tok-2", Hash: h2[:], Name: "buyer", Role: "customer", Customer: "C-1",
		CreatedAt: base, ExpiresAt: base.Add(30 * 24 * time.Hour), RevokedAt: base.Add(time.Hour)}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		if err := tx.InsertToken(ctx, t1); err != nil {
			return err
		}
		return tx.InsertToken(ctx, t2)
	})
	t1.CreatedAt = now
	mustView(t, s, func(tx store.Tx) error {
		for _, want := range []store.Token{t1, t2} {
			got, err := tx.TokenByHash(ctx, want.Hash)
			if err != nil {
				return err
			}
			wantEqual(t, "token "+want.ID, got, want)
		}
		none := sha256.Sum256([]byte("no such secret"))
		_, err := tx.TokenByHash(ctx, none[:])
		wantErr(t, "TokenByHash of an unknown hash", err, store.ErrNotFound)
		return nil
	})
}

func testTokenDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	h1, h2 := sha256.Sum256([]byte("secret-1")), sha256.Sum256([]byte("secret-2"))
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.InsertToken(ctx, store.Token{ID: "tok-1", Hash: h1[:], Role: "admin"})
	})
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertToken(ctx, store.Token{ID: "tok-2", Hash: h1[:], Role: "admin"})
	})
	wantErr(t, "InsertToken with a taken hash", err, store.ErrConflict)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertToken(ctx, store.Token{ID: "tok-1", Hash: h2[:], Role: "admin"})
	})
	wantErr(t, "InsertToken with a taken id", err, store.ErrConflict)
}

func testTokensList(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Tokens(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "tokens of an empty store", len(got), 0)
		return nil
	})
	token := func(id string, created time.Time) store.Token {
		h := sha256.Sum256([]byte("secret of " + id))
		return store.Token{ID: id, Hash: h[:], Name: "token " + id, Role: "integration", Merchant: "M-1",
			CreatedAt: created, ExpiresAt: created.Add(90 * 24 * time.Hour)}
	}
	t1 := token("tok-1", base)
	t2 := token("tok-2", base.Add(time.Hour))
	t3 := token("tok-3", base.Add(time.Hour)) // as new as tok-2: ties go by id, descending
	t4 := token("tok-4", time.Time{})         // a zero CreatedAt becomes Now, after base
	t4.ExpiresAt, t4.RevokedAt = time.Time{}, base.Add(2*time.Hour)
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		for _, tk := range []store.Token{t2, t4, t1, t3} {
			if err := tx.InsertToken(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	})
	t4.CreatedAt = now
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Tokens(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "tokens newest first", got, []store.Token{t4, t3, t2, t1})
		return nil
	})
}

func testTokenRevoke(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	clk.Set(base)
	h1, h2 := sha256.Sum256([]byte("secret-1")), sha256.Sum256([]byte("secret-2"))
	t1 := store.Token{ID: "tok-1", Hash: h1[:], Name: "shop sync", Role: "integration", Merchant: "M-1"}
	t2 := store.Token{ID: "tok-2", Hash: h2[:], Name: "admin cli", Role: "admin"}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertToken(ctx, t1); err != nil {
			return err
		}
		return tx.InsertToken(ctx, t2)
	})
	t1.CreatedAt, t2.CreatedAt = base, base

	clk.Advance(time.Hour)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.RevokeToken(ctx, "tok-1") })
	t1.RevokedAt = base.Add(time.Hour)
	// Revoking again later keeps the first time: the audit log, not the token, says who tried.
	clk.Advance(time.Hour)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.RevokeToken(ctx, "tok-1") })
	err := s.Update(ctx, func(tx store.Tx) error { return tx.RevokeToken(ctx, "tok-none") })
	wantErr(t, "RevokeToken of an unknown id", err, store.ErrNotFound)

	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.TokenByHash(ctx, h1[:])
		if err != nil {
			return err
		}
		wantEqual(t, "revoked token", got, t1)
		got, err = tx.TokenByHash(ctx, h2[:])
		if err != nil {
			return err
		}
		wantEqual(t, "the other token", got, t2)
		return nil
	})
}
