package sqlite

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
)

// TestDeskQueriesUseIndexes stores 5,000 articles, most of them published in Chinese, with
// 20 terms each out of 2,000, and checks by EXPLAIN QUERY PLAN that the search's hits are
// found by term (kb_terms' primary key), not by walking the articles of a status or a
// language; and that the open load reads the owners' indexes.
func TestDeskQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	for _, q := range []string{
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 4999)
		 INSERT INTO kb_articles (id, title, body, language, status, category, tags, length, version, author,
		     created_at, updated_at)
		 SELECT printf('a-%05d', n), 'title', 'body', CASE WHEN n % 10 = 0 THEN 'en' ELSE 'zh-CN' END,
		     CASE WHEN n % 7 = 0 THEN 'draft' ELSE 'published' END, 'refund', '[]', 100, 1, 'alice', n, n FROM g`,
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 19)
		 INSERT INTO kb_terms (term, article_id, count)
		 SELECT printf('词%04d', (a.rowid * 7 + g.n * 101) % 2000), a.id, 1 + g.n % 3 FROM kb_articles a, g
		 WHERE 1 ON CONFLICT DO NOTHING`, // WHERE 1: an upsert's SELECT needs a WHERE (SQLite's parser)
		`ANALYZE`,
	} {
		mustExec(t, db.write, q)
	}
	for _, c := range []struct {
		name  string
		query func() (string, []any)
		uses  []string
	}{
		{"TermHitsOfPublishedChinese", func() (string, []any) {
			return termHitsSQL([]string{"词0001", "词0002", "退款"}, store.ArticleQuery{Status: "published", Language: "zh-CN"})
		}, []string{"SEARCH t USING INDEX sqlite_autoindex_kb_terms_1 (term=?)",
			"SEARCH a USING INDEX sqlite_autoindex_kb_articles_1 (id=?)"}},
		{"OpenLoad", func() (string, []any) {
			return openLoadSQL([]string{"alice", "bob"}, []string{"completed", "closed"}, []string{"resolved"})
		}, []string{"cases_assignee_state_due (assignee=?)", "complaints_owner_updated (owner=?)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql, args := c.query()
			plan := explain(t, db, sql, args)
			for _, use := range c.uses {
				if !strings.Contains(plan, use) {
					t.Errorf("does not %s:\n%s", use, plan)
				}
			}
			if strings.Contains(plan+"\n", "SCAN kb_articles\n") || strings.Contains(plan+"\n", "SCAN cases\n") {
				t.Errorf("scans a table:\n%s", plan)
			}
		})
	}
}
