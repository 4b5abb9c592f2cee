package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// articleArgs are the values of an article's columns (all but its length, which its terms
// set), in the order of the statements below; the id follows them.
func articleArgs(a *store.Article) []any {
	return []any{a.Title, a.Body, a.Language, a.Status, a.Category, scopeJSON(a.Tags), a.Version, a.Author,
		micros(a.CreatedAt), micros(a.UpdatedAt)}
}

// InsertArticle stores a new article, of length 0 until its terms are set; the primary key
// refuses a taken id (ErrConflict).
func (tx *Tx) InsertArticle(ctx context.Context, a *store.Article) error {
	if a.Version != 1 {
		return fmt.Errorf("insert article %s: a new article is version 1, not %d", a.ID, a.Version)
	}
	n, err := store.StoredArticle(a, tx.now)
	if err != nil {
		return fmt.Errorf("insert article: %w", err)
	}
	const q = `
INSERT INTO kb_articles (title, body, language, status, category, tags, version, author, created_at, updated_at, id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(articleArgs(&n), n.ID)...); err != nil {
		return fmt.Errorf("insert article %s: %w", a.ID, dbErr(err))
	}
	return nil
}

// UpdateArticle stores a if the stored version is a.Version-1: ErrConflict if another
// transaction got there first, ErrNotFound if there is no such article. Its terms and
// length stay as they were until SetArticleTerms.
func (tx *Tx) UpdateArticle(ctx context.Context, a *store.Article) error {
	n, err := store.StoredArticle(a, tx.now)
	if err != nil {
		return fmt.Errorf("update article: %w", err)
	}
	const q = `
UPDATE kb_articles
SET title = ?, body = ?, language = ?, status = ?, category = ?, tags = ?, version = ?, author = ?, created_at = ?,
    updated_at = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, append(articleArgs(&n), n.ID, n.Version-1)...)
	if err := tx.versioned(ctx, res, err, "kb_articles", n.ID); err != nil {
		return fmt.Errorf("update article %s to version %d: %w", a.ID, a.Version, err)
	}
	return nil
}

// DeleteArticle removes an article; its terms go with it (ON DELETE CASCADE). ErrNotFound
// if there is none.
func (tx *Tx) DeleteArticle(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM kb_articles WHERE id = ?`, id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("delete article %s: %w", id, err)
	}
	return nil
}

// articleColumns are what scanArticle reads, in its order.
const articleColumns = `id, title, body, language, status, category, tags, version, author, created_at, updated_at`

// scanArticle reads a row of articleColumns.
func scanArticle(row scanner) (store.Article, error) {
	var (
		a                store.Article
		tags             string
		created, updated int64
	)
	err := row.Scan(&a.ID, &a.Title, &a.Body, &a.Language, &a.Status, &a.Category, &tags, &a.Version, &a.Author,
		&created, &updated)
	if err != nil {
		return store.Article{}, err
	}
	if a.Tags, err = parseScope(tags); err != nil { // a JSON list, as scopes are kept
		return store.Article{}, fmt.Errorf("article %s: %w", a.ID, err)
	}
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return a, nil
}

// Article returns an article by id.
func (tx *Tx) Article(ctx context.Context, id string) (store.Article, error) {
	a, err := scanArticle(tx.queryRow(ctx, `SELECT `+articleColumns+` FROM kb_articles WHERE id = ?`, id))
	if err != nil {
		return store.Article{}, fmt.Errorf("article %s: %w", id, dbErr(err))
	}
	return a, nil
}

// articleFilter adds to f what q selects, without paging.
func articleFilter(f *filter, q store.ArticleQuery, prefix string) {
	f.eq(prefix+"status", q.Status)
	f.eq(prefix+"language", q.Language)
	f.eq(prefix+"category", q.Category)
}

// articleCursorPrefix starts ListArticles's cursors (see disputeCursorPrefix).
const articleCursorPrefix = "articles/"

// ListArticles returns one page of articles, most recently updated first (updated_at DESC,
// id DESC), by keyset on that order as ListDisputes.
func (tx *Tx) ListArticles(ctx context.Context, q store.ArticleQuery) ([]store.Article, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	articleFilter(f, q, "")
	if q.Cursor != "" {
		at, id, err := decodeRowCursor(articleCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list articles: %w", err)
		}
		f.add("(updated_at, id) < (?, ?)", at, id)
	}
	var as []store.Article
	next, err := tx.keysetPage(ctx, articleCursorPrefix, limit, func(rows *sql.Rows) (int64, string, error) {
		a, err := scanArticle(rows)
		if err != nil {
			return 0, "", err
		}
		as = append(as, a)
		return micros(a.UpdatedAt), a.ID, nil
	}, `SELECT `+articleColumns+` FROM kb_articles`+f.sql()+`
ORDER BY updated_at DESC, id DESC
LIMIT ?`, append(f.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list articles: %w", err)
	}
	return as, next, nil
}

// keysetPage runs the query of a page of limit rows and one more, calling scan for each row
// of the page, which returns the row's position (sort key, id); it returns the cursor of
// the next page after the page's last row, or "" when the extra row did not come.
func (tx *Tx) keysetPage(ctx context.Context, prefix string, limit int, scan func(*sql.Rows) (int64, string, error), q string, args ...any) (string, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return "", dbErr(err)
	}
	defer rows.Close()
	var (
		n      int
		lastAt int64
		lastID string
	)
	for rows.Next() {
		if n == limit { // the extra row only says that there is a next page
			return encodeRowCursor(prefix, lastAt, lastID), nil
		}
		if lastAt, lastID, err = scan(rows); err != nil {
			return "", err
		}
		n++
	}
	return "", rows.Err()
}

// SetArticleTerms replaces an article's terms and sets its length, in three statements: the
// terms come in as one JSON object (term → count) that json_each spreads into rows.
// ErrNotFound for an unknown article.
func (tx *Tx) SetArticleTerms(ctx context.Context, id string, terms map[string]int, length int) error {
	counts, err := json.Marshal(terms)
	if err != nil {
		return fmt.Errorf("set terms of article %s: %w", id, err)
	}
	res, err := tx.exec(ctx, `UPDATE kb_articles SET length = ? WHERE id = ?`, length, id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("set terms of article %s: %w", id, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM kb_terms WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("set terms of article %s: %w", id, dbErr(err))
	}
	if len(terms) == 0 {
		return nil
	}
	_, err = tx.exec(ctx, `INSERT INTO kb_terms (term, article_id, count) SELECT key, ?, value FROM json_each(?)`,
		id, string(counts))
	if err != nil {
		return fmt.Errorf("set terms of article %s: %w", id, dbErr(err))
	}
	return nil
}

// ArticleTermHits returns a row per term of terms that an article q selects holds, by
// article and term (termHitsSQL).
func (tx *Tx) ArticleTermHits(ctx context.Context, terms []string, q store.ArticleQuery) ([]store.TermHit, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	query, args := termHitsSQL(terms, q)
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("article term hits: %w", dbErr(err))
	}
	defer rows.Close()
	var hits []store.TermHit
	for rows.Next() {
		var h store.TermHit
		if err := rows.Scan(&h.ArticleID, &h.Term, &h.Count, &h.Length); err != nil {
			return nil, fmt.Errorf("article term hits: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("article term hits: %w", err)
	}
	return hits, nil
}

// ArticleStats counts the articles q selects and averages their length (0 when none).
func (tx *Tx) ArticleStats(ctx context.Context, q store.ArticleQuery) (int, float64, error) {
	f := &filter{}
	articleFilter(f, q, "")
	var (
		count int
		avg   float64
	)
	err := tx.queryRow(ctx, `SELECT count(*), coalesce(avg(length), 0) FROM kb_articles`+f.sql(), f.args...).Scan(&count, &avg)
	if err != nil {
		return 0, 0, fmt.Errorf("article stats: %w", dbErr(err))
	}
	return count, avg, nil
}

// termHitsSQL is ArticleTermHits's query and its arguments. It finds the terms through
// kb_terms' primary key, then their articles: CROSS JOIN makes SQLite walk kb_terms first
// whatever it guesses of the articles' filters (a term is in far fewer articles than a
// status or a language).
func termHitsSQL(terms []string, q store.ArticleQuery) (string, []any) {
	f := &filter{}
	in(f, "t.term", terms)
	f.add("a.id = t.article_id")
	articleFilter(f, q, "a.")
	return `
SELECT t.article_id, t.term, t.count, a.length
FROM kb_terms t CROSS JOIN kb_articles a` + f.sql() + `
ORDER BY t.article_id, t.term`, f.args
}
