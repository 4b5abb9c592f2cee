package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// The knowledge base (deskTests): articles, their list, and their search terms.

// newArticle is a published article (version 1) in Chinese about refunds, made and updated
// at at.
func newArticle(id string, at time.Time) store.Article {
	return store.Article{ID: id, Title: "退款多久到账 " + id, Body: "原路退回一般 1–3 个工作日。\n\n信用卡可能更久。",
		Language: "zh-CN", Status: "published", Category: "refund", Version: 1, Author: "alice", CreatedAt: at, UpdatedAt: at}
}

// insertArticles runs InsertArticle for each of as in one transaction.
func insertArticles(t *testing.T, s store.Store, as ...store.Article) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range as {
			if err := tx.InsertArticle(t.Context(), &as[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustInsertArticles is insertArticles that must succeed.
func mustInsertArticles(t *testing.T, s store.Store, as ...store.Article) {
	t.Helper()
	if err := insertArticles(t, s, as...); err != nil {
		t.Fatalf("InsertArticle: %v", err)
	}
}

// readArticle returns an article by id.
func readArticle(t *testing.T, s store.Store, id string) store.Article {
	t.Helper()
	var a store.Article
	mustView(t, s, func(tx store.Tx) error {
		var err error
		a, err = tx.Article(t.Context(), id)
		return err
	})
	return a
}

// articlePage runs one ListArticles.
func articlePage(t *testing.T, s store.Store, q store.ArticleQuery) (as []store.Article, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		as, next, err = tx.ListArticles(t.Context(), q)
		return err
	})
	return as, next
}

// allArticleIDs follows ListArticles's cursors to the end and returns the ids.
func allArticleIDs(t *testing.T, s store.Store, q store.ArticleQuery) []string {
	t.Helper()
	ids := []string{}
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("ListArticles: more than 1000 pages; the cursor does not advance")
		}
		as, next := articlePage(t, s, q)
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		if next == "" {
			return ids
		}
		if q.Limit > 0 && len(as) != q.Limit {
			t.Fatalf("ListArticles: page %d has %d articles and a next cursor; want %d", page, len(as), q.Limit)
		}
		q.Cursor = next
	}
}

func testArticleRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	at := base.Add(999).In(shanghai)
	full := store.Article{ID: "a-1", Title: "How long does a refund take?", Body: "Usually 1–3 working days.\n\nCards take longer.",
		Language: "en", Status: "draft", Category: "refund", Tags: []string{"退款", "refund"}, Version: 1, Author: "u-alice",
		CreatedAt: at, UpdatedAt: at.Add(time.Minute)}
	bare := store.Article{ID: "a-2", Version: 1}
	var now time.Time
	mustUpdate(t, s, func(tx store.Tx) error {
		now = tx.Now()
		if err := tx.InsertArticle(ctx, &full); err != nil {
			return err
		}
		return tx.InsertArticle(ctx, &bare)
	})
	want := full
	want.CreatedAt, want.UpdatedAt = base, base.Add(time.Minute)
	wantEqual(t, "Article", readArticle(t, s, "a-1"), want)
	wantBare := bare
	wantBare.CreatedAt, wantBare.UpdatedAt = now, now
	wantEqual(t, "Article without fields (zero times are now)", readArticle(t, s, "a-2"), wantBare)

	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		dup := newArticle("a-1", base)
		refused = tx.InsertArticle(ctx, &dup)
		return refused
	})
	wantErr(t, "InsertArticle of a taken id", refused, store.ErrConflict)
	wantErr(t, "Update", err, store.ErrConflict)
	for _, bad := range []store.Article{{Version: 1}, {ID: "a-9", Version: 2}, {ID: "a-9"}} {
		if err := insertArticles(t, s, bad); err == nil {
			t.Fatalf("InsertArticle of %s: no error", show(bad))
		}
	}

	update := func(a store.Article) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.UpdateArticle(ctx, &a) })
	}
	v2 := want
	v2.Version, v2.Status, v2.Tags, v2.UpdatedAt = 2, "published", nil, base.Add(time.Hour)
	if err := update(v2); err != nil {
		t.Fatalf("UpdateArticle to version 2: %v", err)
	}
	wantEqual(t, "Article after UpdateArticle", readArticle(t, s, "a-1"), v2)
	wantErr(t, "UpdateArticle to version 2 again", update(v2), store.ErrConflict)
	ahead := v2
	ahead.Version = 4
	wantErr(t, "UpdateArticle to version 4 over 2", update(ahead), store.ErrConflict)
	unknown := v2
	unknown.ID = "a-9"
	wantErr(t, "UpdateArticle of an unknown id", update(unknown), store.ErrNotFound)

	del := func(id string) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteArticle(ctx, id) })
	}
	wantErr(t, "DeleteArticle of an unknown id", del("a-9"), store.ErrNotFound)
	if err := del("a-2"); err != nil {
		t.Fatalf("DeleteArticle: %v", err)
	}
	wantErr(t, "DeleteArticle again", del("a-2"), store.ErrNotFound)
	err = s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Article(ctx, "a-2")
		return err
	})
	wantErr(t, "Article after DeleteArticle", err, store.ErrNotFound)
}

func testArticleList(t *testing.T, s store.Store) {
	// 60 articles at five update times, ids scrambled against the times; every third a
	// draft, every fourth in English, every fifth about logistics.
	var as []store.Article
	for i := range 60 {
		a := newArticle(fmt.Sprintf("a-%02d", i*37%60), base)
		a.UpdatedAt = minute(i % 5)
		if i%3 == 0 {
			a.Status = "draft"
		}
		if i%4 == 0 {
			a.Language = "en"
		}
		if i%5 == 0 {
			a.Category = "logistics"
		}
		as = append(as, a)
	}
	mustInsertArticles(t, s, as...)
	idsOf := func(keep func(store.Article) bool) []string {
		sorted := slices.Clone(as)
		slices.SortFunc(sorted, func(a, b store.Article) int {
			return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), strings.Compare(b.ID, a.ID))
		})
		ids := []string{}
		for _, a := range sorted {
			if keep(a) {
				ids = append(ids, a.ID)
			}
		}
		return ids
	}
	all := idsOf(func(store.Article) bool { return true })
	for _, limit := range []int{1, 7, 59, 60, 61} {
		wantEqual(t, fmt.Sprint("articles over pages of ", limit), allArticleIDs(t, s, store.ArticleQuery{Limit: limit}), all)
	}
	for _, c := range []struct {
		name string
		q    store.ArticleQuery
		keep func(store.Article) bool
	}{
		{"Status", store.ArticleQuery{Status: "draft"}, func(a store.Article) bool { return a.Status == "draft" }},
		{"Language", store.ArticleQuery{Language: "en"}, func(a store.Article) bool { return a.Language == "en" }},
		{"Category", store.ArticleQuery{Category: "logistics"}, func(a store.Article) bool { return a.Category == "logistics" }},
		{"Combined", store.ArticleQuery{Status: "published", Language: "zh-CN", Category: "refund"}, func(a store.Article) bool {
			return a.Status == "published" && a.Language == "zh-CN" && a.Category == "refund"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.Limit = 4
			wantEqual(t, "ListArticles", allArticleIDs(t, s, q), idsOf(c.keep))
		})
	}
	if page, next := articlePage(t, s, store.ArticleQuery{}); len(page) != 50 || next == "" {
		t.Fatalf("ListArticles without a limit: %d articles and next %q; want 50 and a next page", len(page), next)
	}

	_, surveyCursor := surveyWorldCursor(t, s)
	for _, cursor := range append(slices.Clone(otherCursors), surveyCursor, b64("articles/soon/a-01"),
		b64("articles/1741599000123456/")) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListArticles(t.Context(), store.ArticleQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListArticles with cursor %q", cursor), err, store.ErrBadCursor)
	}
}

// termHits runs one ArticleTermHits and sorts its rows by article and term.
func termHits(t *testing.T, s store.Store, terms []string, q store.ArticleQuery) []store.TermHit {
	t.Helper()
	var hits []store.TermHit
	mustView(t, s, func(tx store.Tx) error {
		var err error
		hits, err = tx.ArticleTermHits(t.Context(), terms, q)
		return err
	})
	slices.SortFunc(hits, func(a, b store.TermHit) int {
		return cmp.Or(strings.Compare(a.ArticleID, b.ArticleID), strings.Compare(a.Term, b.Term))
	})
	if hits == nil {
		hits = []store.TermHit{}
	}
	return hits
}

// articleStats runs one ArticleStats.
func articleStats(t *testing.T, s store.Store, q store.ArticleQuery) (int, float64) {
	t.Helper()
	var (
		n   int
		avg float64
	)
	mustView(t, s, func(tx store.Tx) error {
		var err error
		n, avg, err = tx.ArticleStats(t.Context(), q)
		return err
	})
	return n, avg
}

func testArticleTerms(t *testing.T, s store.Store) {
	ctx := t.Context()
	zh, en, draft := newArticle("a-1", base), newArticle("a-2", base), newArticle("a-3", base)
	en.Language, en.Category = "en", "logistics"
	draft.Status = "draft"
	mustInsertArticles(t, s, zh, en, draft)
	set := func(id string, terms map[string]int, length int) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.SetArticleTerms(ctx, id, terms, length) })
	}
	for _, a := range []struct {
		id     string
		terms  map[string]int
		length int
	}{
		{"a-1", map[string]int{"退款": 3, "到账": 2, "refund": 1}, 12},
		{"a-2", map[string]int{"refund": 4, "parcel": 2, "Refund": 1}, 30},
		{"a-3", map[string]int{"退款": 1, "草稿": 5}, 6},
	} {
		if err := set(a.id, a.terms, a.length); err != nil {
			t.Fatalf("SetArticleTerms %s: %v", a.id, err)
		}
	}
	hit := func(article, term string, count, length int) store.TermHit {
		return store.TermHit{ArticleID: article, Term: term, Count: count, Length: length}
	}
	for _, c := range []struct {
		name  string
		terms []string
		q     store.ArticleQuery
		want  []store.TermHit
	}{
		{"Every", []string{"退款", "refund", "到账"}, store.ArticleQuery{},
			[]store.TermHit{hit("a-1", "refund", 1, 12), hit("a-1", "到账", 2, 12), hit("a-1", "退款", 3, 12),
				hit("a-2", "refund", 4, 30), hit("a-3", "退款", 1, 6)}},
		{"TermsAreExact", []string{"REFUND", "退"}, store.ArticleQuery{}, []store.TermHit{}},
		{"Status", []string{"退款"}, store.ArticleQuery{Status: "published"}, []store.TermHit{hit("a-1", "退款", 3, 12)}},
		{"Language", []string{"refund", "退款"}, store.ArticleQuery{Language: "en"}, []store.TermHit{hit("a-2", "refund", 4, 30)}},
		{"Category", []string{"refund", "parcel"}, store.ArticleQuery{Category: "logistics"},
			[]store.TermHit{hit("a-2", "parcel", 2, 30), hit("a-2", "refund", 4, 30)}},
		{"PagingIgnored", []string{"refund"}, store.ArticleQuery{Limit: 1, Cursor: "ignored"},
			[]store.TermHit{hit("a-1", "refund", 1, 12), hit("a-2", "refund", 4, 30)}},
		{"NoTerms", nil, store.ArticleQuery{}, []store.TermHit{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantEqual(t, "ArticleTermHits", termHits(t, s, c.terms, c.q), c.want)
		})
	}
	wantStats := func(what string, q store.ArticleQuery, count int, avg float64) {
		t.Helper()
		n, a := articleStats(t, s, q)
		if n != count || a < avg-1e-9 || a > avg+1e-9 {
			t.Fatalf("ArticleStats %s = %d, %v; want %d, %v", what, n, a, count, avg)
		}
	}
	wantStats("of all", store.ArticleQuery{}, 3, 16)
	wantStats("published", store.ArticleQuery{Status: "published"}, 2, 21)
	wantStats("in Chinese about refunds", store.ArticleQuery{Language: "zh-CN", Category: "refund"}, 2, 9)
	wantStats("of none", store.ArticleQuery{Category: "none"}, 0, 0)

	// The terms are replaced whole; an update of the article keeps them and its length.
	if err := set("a-1", map[string]int{"到账": 1}, 4); err != nil {
		t.Fatalf("SetArticleTerms again: %v", err)
	}
	v2 := zh
	v2.Version, v2.Title = 2, "到账时间"
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateArticle(ctx, &v2) })
	wantEqual(t, "hits after the terms were replaced", termHits(t, s, []string{"退款", "到账"}, store.ArticleQuery{}),
		[]store.TermHit{hit("a-1", "到账", 1, 4), hit("a-3", "退款", 1, 6)})
	if err := set("a-3", nil, 0); err != nil {
		t.Fatalf("SetArticleTerms without terms: %v", err)
	}
	wantEqual(t, "hits of an article without terms", termHits(t, s, []string{"退款", "草稿"}, store.ArticleQuery{}),
		[]store.TermHit{})
	wantStats("after the lengths changed", store.ArticleQuery{}, 3, 34.0/3)
	wantErr(t, "SetArticleTerms of an unknown article", set("a-9", map[string]int{"退款": 1}, 1), store.ErrNotFound)

	// A deleted article's terms go with it.
	mustUpdate(t, s, func(tx store.Tx) error { return tx.DeleteArticle(ctx, "a-2") })
	wantEqual(t, "hits after DeleteArticle", termHits(t, s, []string{"refund", "parcel", "Refund"}, store.ArticleQuery{}),
		[]store.TermHit{})
	mustInsertArticles(t, s, newArticle("a-2", base))
	wantEqual(t, "hits of a new article of the same id", termHits(t, s, []string{"refund", "parcel"}, store.ArticleQuery{}),
		[]store.TermHit{})
	wantStats("after DeleteArticle", store.ArticleQuery{}, 3, 4.0/3)
}
