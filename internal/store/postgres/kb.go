package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aftersales/aftersales/internal/store"
)

// articleArgs are the values of an article's columns (its id first; all but its length,
// which its terms set): $1 to $11 of the statements below.
func articleArgs(a *store.Article) []any {
	return []any{a.ID, a.Title, a.Body, a.Language, a.Status, a.Category, scopeJSON(a.Tags), int64(a.Version), a.Author,
		a.CreatedAt, a.UpdatedAt}
}

// InsertArticle stores a new article, of length 0 until its terms are set. A taken id is
// ErrConflict: the statement is sent at once and skips a taken id (ON CONFLICT DO
// NOTHING), so the refusal comes back from the call and leaves the transaction usable.
func (t *Tx) InsertArticle(ctx context.Context, a *store.Article) error {
	if a.Version != 1 {
		return fmt.Errorf("insert article %s: a new article is version 1, not %d", a.ID, a.Version)
	}
	n, err := store.StoredArticle(a, t.now)
	if err != nil {
		return fmt.Errorf("insert article: %w", err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO kb_articles (id, title, body, language, status, category, tags, version, author, created_at,
		    updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING`,
		articleArgs(&n)...)
	if err == nil && added == 0 {
		err = fmt.Errorf("the id is taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert article %s", a.ID)
}

// UpdateArticle stores a if the stored version is a.Version-1: ErrConflict if another
// transaction got there first, ErrNotFound if there is no such article; either comes back
// from the call. Its terms and length stay as they were until SetArticleTerms.
func (t *Tx) UpdateArticle(ctx context.Context, a *store.Article) error {
	n, err := store.StoredArticle(a, t.now)
	if err != nil {
		return fmt.Errorf("update article: %w", err)
	}
	err = t.versioned(ctx, "kb_articles", n.ID, `
		UPDATE kb_articles SET title = $2, body = $3, language = $4, status = $5, category = $6, tags = $7,
		    version = $8, author = $9, created_at = $10, updated_at = $11
		WHERE id = $1 AND version = $8 - 1`,
		articleArgs(&n)...)
	return wrap(err, "update article %s to version %d", a.ID, a.Version)
}

// DeleteArticle removes an article; its terms go with it (ON DELETE CASCADE). ErrNotFound,
// reported by the call, if there is none.
func (t *Tx) DeleteArticle(ctx context.Context, id string) error {
	n, err := t.exec(ctx, `DELETE FROM kb_articles WHERE id = $1`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "delete article %s", id)
}

// articleColumns are what articleRow receives, in its order.
const articleColumns = `id, title, body, language, status, category, tags, version, author, created_at, updated_at`

// articleRow receives a row of articleColumns.
type articleRow struct {
	a       store.Article
	tags    string
	version int64
}

func (r *articleRow) dest() []any {
	a := &r.a
	return []any{&a.ID, &a.Title, &a.Body, &a.Language, &a.Status, &a.Category, &r.tags, &r.version, &a.Author,
		&a.CreatedAt, &a.UpdatedAt}
}

func (r *articleRow) article() (store.Article, error) {
	a := r.a
	a.Version = int(r.version)
	var err error
	if a.Tags, err = parseScope(r.tags); err != nil { // a JSON list, as scopes are kept
		return store.Article{}, fmt.Errorf("article %s: %w", a.ID, err)
	}
	return a, nil
}

// Article returns an article by id.
func (t *Tx) Article(ctx context.Context, id string) (store.Article, error) {
	var r articleRow
	if err := t.queryRow(ctx, `SELECT `+articleColumns+` FROM kb_articles WHERE id = $1`, []any{id}, r.dest()...); err != nil {
		return store.Article{}, wrap(err, "article %s", id)
	}
	return r.article()
}

// articleFilter is what ArticleQuery selects, without paging.
func articleFilter(f *filter, q store.ArticleQuery, prefix string) {
	f.eq(prefix+"status", q.Status)
	f.eq(prefix+"language", q.Language)
	f.eq(prefix+"category", q.Category)
}

// articleCursorPrefix starts ListArticles's cursors (see disputeCursorPrefix).
const articleCursorPrefix = "articles/"

// ListArticles returns one page of articles, most recently updated first, by keyset
// pagination on (updated_at, id) as ListDisputes.
func (t *Tx) ListArticles(ctx context.Context, q store.ArticleQuery) ([]store.Article, string, error) {
	f := &filter{}
	articleFilter(f, q, "")
	var as []store.Article
	next, err := t.keysetPage(ctx, "kb_articles", articleColumns, "updated_at", "id", articleCursorPrefix, q.Cursor,
		q.Limit, f, func(rows pgx.Rows) (time.Time, string, error) {
			var r articleRow
			if err := rows.Scan(r.dest()...); err != nil {
				return time.Time{}, "", err
			}
			a, err := r.article()
			if err != nil {
				return time.Time{}, "", err
			}
			as = append(as, a)
			return a.UpdatedAt, a.ID, nil
		})
	if err != nil {
		return nil, "", wrap(err, "list articles")
	}
	return as, next, nil
}

// keysetPage reads one page of columns of table that f selects, newest first (the time
// column key, then the column id, descending), after the cursor's position; scan reads
// each row of the page and returns its position. It returns the next page's cursor (""
// at the end). Like listPageBy, for tables of columns rather than of JSON bodies.
func (t *Tx) keysetPage(ctx context.Context, table, columns, key, id, prefix, cursor string, limit int, f *filter,
	scan func(pgx.Rows) (time.Time, string, error)) (string, error) {
	limit = pageLimit(limit)
	if cursor != "" {
		at, last, err := decodeRowCursor(prefix, cursor)
		if err != nil {
			return "", err
		}
		f.add("(" + key + ", " + id + ") < (" + f.arg(at) + "::timestamptz, " + f.arg(last) + "::text)")
	}
	// The limit is written out, not an argument (see listCasesSQL).
	sql := "SELECT " + columns + " FROM " + table + f.sql() +
		" ORDER BY " + key + " DESC, " + id + " DESC LIMIT " + strconv.Itoa(limit+1)
	var (
		n      int
		lastAt time.Time
		lastID string
		more   bool
	)
	err := t.query(ctx, sql, f.args, func(rows pgx.Rows) error {
		if n == limit {
			more = true // the extra row only says that there is a next page
			return nil
		}
		var err error
		if lastAt, lastID, err = scan(rows); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil || !more {
		return "", err
	}
	return encodeRowCursor(prefix, lastAt, lastID), nil
}

// SetArticleTerms replaces an article's terms and sets its length in one round trip: the
// update of the article (which locks it, so that concurrent calls replace the terms one
// after the other), the deletion of its terms, and the insertion of the new ones from
// arrays. ErrNotFound, reported by the call, for an unknown article.
func (t *Tx) SetArticleTerms(ctx context.Context, id string, terms map[string]int, length int) error {
	words, counts := make([]string, 0, len(terms)), make([]int32, 0, len(terms))
	for w, c := range terms {
		words, counts = append(words, w), append(counts, int32(c))
	}
	var found int64
	b := t.batch()
	b.Queue(`UPDATE kb_articles SET length = $2 WHERE id = $1`, id, int32(length)).Exec(func(ct pgconn.CommandTag) error {
		found = ct.RowsAffected()
		return nil
	})
	b.Queue(`DELETE FROM kb_terms WHERE article_id = $1`, id)
	// Only for an article that exists: an unknown one inserts nothing rather than break the
	// foreign key, and the update's count reports it.
	b.Queue(`
		INSERT INTO kb_terms (term, article_id, count)
		SELECT u.term, a.id, u.count
		FROM kb_articles a, unnest($2::text[], $3::integer[]) AS u (term, count)
		WHERE a.id = $1`, id, words, counts)
	err := t.send(ctx, b)
	if err == nil && found == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "set terms of article %s", id)
}

// ArticleTermHits returns a row per term of terms that an article q selects holds, by
// article and term; it finds the terms through kb_terms' primary key.
func (t *Tx) ArticleTermHits(ctx context.Context, terms []string, q store.ArticleQuery) ([]store.TermHit, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	f := &filter{}
	f.add("t.term = ANY (" + f.arg(terms) + "::text[])")
	articleFilter(f, q, "a.")
	var hits []store.TermHit
	err := t.query(ctx, `
		SELECT t.article_id, t.term, t.count, a.length
		FROM kb_terms t JOIN kb_articles a ON a.id = t.article_id`+f.sql()+`
		ORDER BY t.article_id, t.term`, f.args,
		func(rows pgx.Rows) error {
			var (
				h             store.TermHit
				count, length int32
			)
			if err := rows.Scan(&h.ArticleID, &h.Term, &count, &length); err != nil {
				return err
			}
			h.Count, h.Length = int(count), int(length)
			hits = append(hits, h)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "article term hits")
	}
	return hits, nil
}

// ArticleStats counts the articles q selects and averages their length (0 when none).
func (t *Tx) ArticleStats(ctx context.Context, q store.ArticleQuery) (int, float64, error) {
	f := &filter{}
	articleFilter(f, q, "")
	var (
		count int64
		avg   float64
	)
	err := t.queryRow(ctx, `SELECT count(*), coalesce(avg(length), 0)::float8 FROM kb_articles`+f.sql(), f.args, &count, &avg)
	if err != nil {
		return 0, 0, wrap(err, "article stats")
	}
	return int(count), avg, nil
}
