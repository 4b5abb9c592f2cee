package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/kb"
	"github.com/aftersales/aftersales/internal/store"
)

// kbWords are the pieces generated articles are made of: a help centre's vocabulary.
var kbWords = []string{"退货", "退款", "换货", "维修", "快递", "物流", "发票", "耳机", "手机", "鞋子", "衣服", "尺码", "质量问题",
	"七天无理由", "运费", "签收", "包装", "商家", "客服", "到账", "银行卡", "原路退回", "补发", "丢件", "保修", "三包"}

// benchArticles writes n published articles of generated Chinese text.
func benchArticles(b *testing.B, a *app.App, n int) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	admin := app.Principal{Role: app.RoleAdmin, ID: "bench"}
	for i := range n {
		text := func(words int) string {
			s := ""
			for range words {
				s += kbWords[r.IntN(len(kbWords))] + "的"
			}
			return s
		}
		if _, err := a.CreateArticle(context.Background(), admin, app.ArticleInput{Title: fmt.Sprintf("%s %d", text(3), i),
			Body: text(120), Language: "zh-CN", Status: "published"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKBSearch is a help-centre search over 2,000 articles (SQLite): segmenting the
// query, the store's term hits, ranking, and loading the top 20.
func BenchmarkKBSearch(b *testing.B) {
	a := benchApp(b)
	benchArticles(b, a, 2000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		l, err := a.ListArticles(ctx, app.Principal{}, app.ArticleQuery{Q: "耳机退货多久到账"})
		if err != nil || len(l.Articles) == 0 {
			b.Fatal(err, l)
		}
	}
}

// BenchmarkKBTermHitsRaw is the store's part of that search alone: the term rows of the
// query's terms, the floor the search stands on.
func BenchmarkKBTermHitsRaw(b *testing.B) {
	a, st := benchAppStore(b)
	benchArticles(b, a, 2000)
	terms := kb.QueryTerms("耳机退货多久到账")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		err := st.View(ctx, func(tx store.Tx) error {
			hits, err := tx.ArticleTermHits(ctx, terms, store.ArticleQuery{Status: "published"})
			if err == nil && len(hits) == 0 {
				b.Fatal("no hits")
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
