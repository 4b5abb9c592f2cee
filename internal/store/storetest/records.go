package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var merchantTests = []test{
	{name: "EnsureMerchantIsIdempotentAndKeepsProfile", run: testEnsureMerchant},
	{name: "EnsureCustomerIsIdempotentAndKeepsProfile", run: testEnsureCustomer},
	{name: "MissingMerchantAndCustomerNotFound", run: testMissingMerchantCustomer},
}

func testEnsureMerchant(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.EnsureMerchant(ctx, "M-1") })
	mustView(t, s, func(tx store.Tx) error {
		m, err := tx.Merchant(ctx, "M-1")
		if err != nil {
			return err
		}
		wantEqual(t, "new merchant", m, store.Merchant{Code: "M-1"})
		return nil
	})
	want := store.Merchant{Code: "M-1", Name: "小米旗舰店 Xiaomi Store", Category: "electronics"}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateMerchant(ctx, want) })
	mustUpdate(t, s, func(tx store.Tx) error { return tx.EnsureMerchant(ctx, "M-1") })
	mustView(t, s, func(tx store.Tx) error {
		m, err := tx.Merchant(ctx, "M-1")
		if err != nil {
			return err
		}
		wantEqual(t, "merchant after UpdateMerchant and EnsureMerchant again", m, want)
		return nil
	})
}

func testEnsureCustomer(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.EnsureCustomer(ctx, "C-1") })
	mustView(t, s, func(tx store.Tx) error {
		c, err := tx.Customer(ctx, "C-1")
		if err != nil {
			return err
		}
		wantEqual(t, "new customer", c, store.Customer{ID: "C-1"})
		return nil
	})
	want := store.Customer{ID: "C-1", Name: "王小明", Phone: "+86 138 0000 0000", Address: "上海市浦东新区世纪大道 1 号",
		Email: "wang.xiaoming@example.com"}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateCustomer(ctx, want) })
	mustUpdate(t, s, func(tx store.Tx) error { return tx.EnsureCustomer(ctx, "C-1") })
	mustView(t, s, func(tx store.Tx) error {
		c, err := tx.Customer(ctx, "C-1")
		if err != nil {
			return err
		}
		wantEqual(t, "customer after UpdateCustomer and EnsureCustomer again", c, want)
		return nil
	})
}

func testMissingMerchantCustomer(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.Merchant(ctx, "M-none")
		wantErr(t, "Merchant of an unknown code", err, store.ErrNotFound)
		_, err = tx.Customer(ctx, "C-none")
		wantErr(t, "Customer of an unknown id", err, store.ErrNotFound)
		return nil
	})
	err := s.Update(ctx, func(tx store.Tx) error { return tx.UpdateMerchant(ctx, store.Merchant{Code: "M-none", Name: "x"}) })
	wantErr(t, "UpdateMerchant of an unknown code", err, store.ErrNotFound)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateCustomer(ctx, store.Customer{ID: "C-none", Name: "x"}) })
	wantErr(t, "UpdateCustomer of an unknown id", err, store.ErrNotFound)
}

var idempotencyTests = []test{
	{name: "PutThenGet", run: testIdempotencyPutGet},
	{name: "DuplicateKeyConflicts", run: testIdempotencyDuplicate},
	{name: "PruneDeletesTheOldestFirstAndFreesTheKey", run: testPruneIdempotency},
}

// testPruneIdempotency: keys used an hour apart are pruned oldest first up to the limit, a
// younger one is kept, and a pruned key can be used again.
func testPruneIdempotency(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, key := range []string{"k-0", "k-1", "k-2", "k-3"} {
		r := store.IdempotencyRecord{Principal: "tok-1", Key: key, RequestHash: []byte{byte(i)}, Status: 201,
			Response: []byte(`{}`), CreatedAt: base.Add(time.Duration(i) * time.Hour)}
		mustUpdate(t, s, func(tx store.Tx) error { return tx.PutIdempotency(ctx, r) })
	}
	cut := base.Add(150 * time.Minute) // after k-2, before k-3
	if n := prune(t, s, store.Tx.PruneIdempotency, cut, 0); n != 0 {
		t.Fatalf("a limit of 0 pruned %d", n)
	}
	if n := prune(t, s, store.Tx.PruneIdempotency, cut, 2); n != 2 {
		t.Fatalf("pruned %d with a limit of 2, want 2", n)
	}
	if n := prune(t, s, store.Tx.PruneIdempotency, cut, 10); n != 1 {
		t.Fatalf("pruned %d more used before %v, want 1 (k-2)", n, cut)
	}
	mustView(t, s, func(tx store.Tx) error {
		for _, key := range []string{"k-0", "k-1", "k-2"} {
			_, err := tx.Idempotency(ctx, "tok-1", key)
			wantErr(t, "Idempotency of a pruned key", err, store.ErrNotFound)
		}
		_, err := tx.Idempotency(ctx, "tok-1", "k-3")
		return err
	})
	again := store.IdempotencyRecord{Principal: "tok-1", Key: "k-0", RequestHash: []byte{9}, Status: 200, Response: []byte(`{"again":true}`)}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.PutIdempotency(ctx, again) })
}

func testIdempotencyPutGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.Idempotency(ctx, "tok-1", "key-1")
		wantErr(t, "Idempotency of an unused key", err, store.ErrNotFound)
		return nil
	})
	hash := sha256.Sum256([]byte("POST /v1/cases {}"))
	r := store.IdempotencyRecord{Principal: "tok-1", Key: "key-1", RequestHash: hash[:],
		Status: 201, Response: []byte(`{"id":"case-1"}`)}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		return tx.PutIdempotency(ctx, r)
	})
	// An explicit CreatedAt is kept; a zero one becomes the transaction's Now.
	r2 := store.IdempotencyRecord{Principal: "tok-2", Key: "key-1", RequestHash: hash[:],
		Status: 200, Response: []byte(`{}`), CreatedAt: base}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.PutIdempotency(ctx, r2) })

	r.CreatedAt = now
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Idempotency(ctx, "tok-1", "key-1")
		if err != nil {
			return err
		}
		wantEqual(t, "idempotency record", got, r)
		got, err = tx.Idempotency(ctx, "tok-2", "key-1")
		if err != nil {
			return err
		}
		wantEqual(t, "idempotency record of another principal", got, r2)
		_, err = tx.Idempotency(ctx, "tok-1", "key-2")
		wantErr(t, "Idempotency of another key", err, store.ErrNotFound)
		return nil
	})
}

func testIdempotencyDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := store.IdempotencyRecord{Principal: "tok-1", Key: "key-1", RequestHash: []byte{1, 2, 3},
		Status: 201, Response: []byte(`{"n":1}`)}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.PutIdempotency(ctx, r) })
	r2 := r
	r2.Response = []byte(`{"n":2}`)
	err := s.Update(ctx, func(tx store.Tx) error { return tx.PutIdempotency(ctx, r2) })
	wantErr(t, "PutIdempotency of a taken key", err, store.ErrConflict)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Idempotency(ctx, "tok-1", "key-1")
		if err != nil {
			return err
		}
		wantEqual(t, "response after a refused second put", string(got.Response), `{"n":1}`)
		return nil
	})
}

var attachmentTests = []test{
	{name: "InsertThenGet", run: testAttachmentInsertGet},
	{name: "LinkGivesCaseMerchantCustomer", run: testAttachmentLink},
	{name: "LinkRefusesUnknownAndOtherCase", run: testAttachmentLinkRefused},
}

func sampleAttachment(id string) store.Attachment {
	sum := sha256.Sum256([]byte(id))
	return store.Attachment{ID: id, OwnerRole: "customer", OwnerID: "C-1", ContentType: "image/jpeg",
		Size: 204800, SHA256: sum[:], OriginalName: "破损照片.jpg"}
}

func testAttachmentInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := sampleAttachment("att-1")
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		return tx.InsertAttachment(ctx, a)
	})
	a.CreatedAt = now
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Attachment(ctx, "att-1")
		if err != nil {
			return err
		}
		wantEqual(t, "attachment", got, a)
		_, err = tx.Attachment(ctx, "att-none")
		wantErr(t, "Attachment of an unknown id", err, store.ErrNotFound)
		return nil
	})
	err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertAttachment(ctx, sampleAttachment("att-1")) })
	wantErr(t, "InsertAttachment of a taken id", err, store.ErrConflict)
}

func testAttachmentLink(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "case-1")
	a1, a2 := sampleAttachment("att-1"), sampleAttachment("att-2")
	a1.CreatedAt, a2.CreatedAt = base, base.Add(time.Second)
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertAttachment(ctx, a1); err != nil {
			return err
		}
		if err := tx.InsertAttachment(ctx, a2); err != nil {
			return err
		}
		return tx.LinkAttachments(ctx, c.ID, []string{"att-1", "att-2"})
	})
	// Linking again to the same case changes nothing.
	mustUpdate(t, s, func(tx store.Tx) error { return tx.LinkAttachments(ctx, c.ID, []string{"att-1"}) })
	mustView(t, s, func(tx store.Tx) error {
		for _, a := range []store.Attachment{a1, a2} {
			got, err := tx.Attachment(ctx, a.ID)
			if err != nil {
				return err
			}
			a.CaseID, a.Merchant, a.Customer = c.ID, c.MerchantID, c.CustomerID
			wantEqual(t, "linked attachment", got, a)
		}
		return nil
	})
}

func testAttachmentLinkRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	c1 := seedCase(t, s, "case-1")
	c2 := seedCase(t, s, "case-2")
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertAttachment(ctx, sampleAttachment("att-1")); err != nil {
			return err
		}
		return tx.LinkAttachments(ctx, c1.ID, []string{"att-1"})
	})
	err := s.Update(ctx, func(tx store.Tx) error { return tx.LinkAttachments(ctx, c2.ID, []string{"att-1"}) })
	wantErr(t, "LinkAttachments of an attachment of another case", err, store.ErrConflict)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.LinkAttachments(ctx, c1.ID, []string{"att-none"}) })
	wantErr(t, "LinkAttachments of an unknown attachment", err, store.ErrNotFound)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.LinkAttachments(ctx, "case-none", []string{"att-1"}) })
	wantErr(t, "LinkAttachments to an unknown case", err, store.ErrNotFound)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Attachment(ctx, "att-1")
		if err != nil {
			return err
		}
		wantEqual(t, "case of the attachment after refused links", got.CaseID, c1.ID)
		return nil
	})
}

var policyTests = []test{
	{name: "SaveThenListOldestFirst", run: testPoliciesList},
	{name: "SameVersionSameContentIsFine", run: testPolicySameContent},
	{name: "SameVersionOtherContentConflicts", run: testPolicyOtherContent},
	{name: "MarkMovesWithEveryVersion", run: testPolicyMark},
}

func samplePolicy(id string, version int, loaded time.Time) store.PolicyRecord {
	return store.PolicyRecord{ID: id, Version: version, Layer: "merchant", Merchant: "M-1",
		Category: "apparel", Document: []byte("id: " + id + "\nrules: []\n"), LoadedAt: loaded}
}

func testPoliciesList(t *testing.T, s store.Store) {
	ctx := t.Context()
	p1 := samplePolicy("platform", 1, base.Add(-2*time.Hour))
	p2 := samplePolicy("platform", 2, base)
	p3 := samplePolicy("merchant-m1", 1, base.Add(-time.Hour))
	p4 := samplePolicy("apparel", 1, base) // same LoadedAt as p2: ties go by id, then version
	p5 := store.PolicyRecord{ID: "statutory", Version: 1, Layer: "statutory", Document: []byte("{}")}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		for _, p := range []store.PolicyRecord{p2, p5, p1, p4, p3} {
			if err := tx.SavePolicy(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	p5.LoadedAt = now // a zero LoadedAt becomes the transaction's Now
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Policies(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "policies oldest first", got, []store.PolicyRecord{p1, p3, p4, p2, p5})
		return nil
	})
}

func testPolicySameContent(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := samplePolicy("platform", 1, base)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SavePolicy(ctx, p) })
	again := p
	again.LoadedAt = base.Add(time.Hour)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SavePolicy(ctx, again) })
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Policies(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "policies after saving the same version twice", got, []store.PolicyRecord{p})
		return nil
	})
}

func testPolicyOtherContent(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := samplePolicy("platform", 1, base)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SavePolicy(ctx, p) })
	other := p
	other.Document = []byte("id: platform\nrules: [changed]\n")
	err := s.Update(ctx, func(tx store.Tx) error { return tx.SavePolicy(ctx, other) })
	wantErr(t, "SavePolicy of a stored version with another document", err, store.ErrConflict)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Policies(ctx)
		if err != nil {
			return err
		}
		wantEqual(t, "policies after a refused save", got, []store.PolicyRecord{p})
		return nil
	})
}

// PolicyMark counts the versions and tells the latest LoadedAt, so that a replica learns of
// a version another stored, whatever its LoadedAt (a version stored later may carry an
// earlier time: its transaction began first).
func testPolicyMark(t *testing.T, s store.Store) {
	ctx := t.Context()
	mark := func() store.PolicyMark {
		t.Helper()
		var m store.PolicyMark
		mustView(t, s, func(tx store.Tx) error {
			var err error
			m, err = tx.PolicyMark(ctx)
			return err
		})
		return m
	}
	wantEqual(t, "the mark of no versions", mark(), store.PolicyMark{})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SavePolicy(ctx, samplePolicy("platform", 1, base)) })
	wantEqual(t, "the mark of one version", mark(), store.PolicyMark{Versions: 1, LastLoaded: base})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SavePolicy(ctx, samplePolicy("platform", 2, base.Add(-time.Hour))) })
	wantEqual(t, "the mark after an earlier LoadedAt", mark(), store.PolicyMark{Versions: 2, LastLoaded: base})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SavePolicy(ctx, samplePolicy("platform", 2, base.Add(-time.Hour))) })
	wantEqual(t, "the mark after saving the same version again", mark(), store.PolicyMark{Versions: 2, LastLoaded: base})
}
