package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/kb"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// The knowledge base: articles the desk writes and everyone reads in the help centre,
// found by search that segments Chinese (package kb), suggested on the application form
// by reason and on the agent's case page by the case's text.

// ArticleInput is an article to create or change.
type ArticleInput struct {
	Title    string   `json:"title"`
	Body     string   `json:"body" jsonschema:"description=plain text; blank lines separate paragraphs"`
	Language string   `json:"language" jsonschema:"enum=zh-CN,enum=en"`
	Status   string   `json:"status,omitempty" jsonschema:"enum=draft,enum=published,description=draft (the default) or published"`
	Category string   `json:"category,omitempty" jsonschema:"description=e.g. an after-sales reason code\\, refund\\, logistics"`
	Tags     []string `json:"tags,omitempty"`
	// Version, on a change, must be the stored one.
	Version int `json:"version,omitempty"`
}

// ArticleView is an article.
type ArticleView struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Language  string    `json:"language"`
	Status    string    `json:"status"`
	Category  string    `json:"category,omitempty"`
	Tags      []string  `json:"tags"`
	Version   int       `json:"version"`
	Author    string    `json:"author,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Score, Snippet and Matched are a search's: the rank, a passage around the first
	// match, and the query's terms the article holds (for highlighting).
	Score   float64  `json:"score,omitempty"`
	Snippet string   `json:"snippet,omitempty"`
	Matched []string `json:"matched,omitempty"`
}

// ArticleList is one page of articles, or a search's results best first.
type ArticleList struct {
	Articles []ArticleView `json:"articles"`
	Next     string        `json:"next_cursor,omitempty"`
	// Terms are the search's terms as segmented (a search only).
	Terms []string `json:"terms,omitempty"`
}

// ArticleQuery selects articles: a search when Q is set.
type ArticleQuery struct {
	Q        string
	Language string
	Status   string
	Category string
	Cursor   string
	Limit    int
}

func articleView(a *store.Article) ArticleView {
	v := ArticleView{ID: a.ID, Title: a.Title, Body: a.Body, Language: a.Language, Status: a.Status, Category: a.Category,
		Tags: a.Tags, Version: a.Version, Author: a.Author, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	return v
}

// MayWriteArticles answers whether p writes the knowledge base (nil) or may not (forbidden):
// the article editor's pages ask it before showing drafts and forms.
func (a *App) MayWriteArticles(p Principal) error { return mayWriteArticles(p) }

// mayWriteArticles: the platform's desk writes the knowledge base.
func mayWriteArticles(p Principal) error {
	if p.Role != RoleAgent && p.Role != RoleSupervisor && p.Role != RoleAdmin {
		return errForbidden("只有平台客服可以编写知识库", "only the platform's service desk writes the knowledge base")
	}
	return nil
}

const (
	maxArticleTitle = 200
	maxArticleBody  = 50000
)

var articleLanguages = []string{"zh-CN", "en"}

func (in *ArticleInput) clean() error {
	in.Title = text.Clean(in.Title)
	in.Body = strings.TrimSpace(text.Clean(in.Body))
	in.Category = strings.TrimSpace(text.Clean(in.Category))
	if in.Status == "" {
		in.Status = "draft"
	}
	var tags []string
	for _, t := range in.Tags {
		if t = strings.TrimSpace(text.Clean(t)); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	in.Tags = tags
	switch {
	case in.Title == "":
		return errInvalid("title", "请填写标题", "the title is required")
	case utf8.RuneCountInString(in.Title) > maxArticleTitle:
		return errInvalid("title", "标题不能超过 200 字", "the title is longer than 200 characters")
	case in.Body == "":
		return errInvalid("body", "请填写正文", "the body is required")
	case utf8.RuneCountInString(in.Body) > maxArticleBody:
		return errInvalid("body", "正文不能超过 50000 字", "the body is longer than 50,000 characters")
	case !slices.Contains(articleLanguages, in.Language):
		return errInvalid("language", "语言应为 zh-CN 或 en", "language must be zh-CN or en")
	case in.Status != "draft" && in.Status != "published":
		return errInvalid("status", "状态应为 draft 或 published", "status must be draft or published")
	case utf8.RuneCountInString(in.Category) > 50:
		return errInvalid("category", "分类不能超过 50 字", "the category is longer than 50 characters")
	case len(in.Tags) > 20:
		return errInvalid("tags", "标签最多 20 个", "at most 20 tags")
	}
	for _, t := range in.Tags {
		if utf8.RuneCountInString(t) > 30 {
			return errInvalid("tags", "每个标签不超过 30 字", "a tag is at most 30 characters")
		}
	}
	return nil
}

// indexArticle keeps an article's search terms with it.
func indexArticle(ctx context.Context, tx store.Tx, a *store.Article) error {
	counts, length := kb.Index(a.Title, a.Body, a.Tags)
	return tx.SetArticleTerms(ctx, a.ID, counts, length)
}

// CreateArticle writes a new article.
func (a *App) CreateArticle(ctx context.Context, p Principal, in ArticleInput) (*ArticleView, error) {
	if err := mayWriteArticles(p); err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"article.create", "article", ""}, func(tx *txn) (*ArticleView, int, error) {
		now := tx.Now()
		ar := store.Article{ID: uuid.NewString(), Title: in.Title, Body: in.Body, Language: in.Language, Status: in.Status,
			Category: in.Category, Tags: in.Tags, Version: 1, Author: actorName(ctx, tx, p), CreatedAt: now, UpdatedAt: now}
		tx.kbChanged = true
		if err := tx.InsertArticle(ctx, &ar); err != nil {
			return nil, 0, err
		}
		if err := indexArticle(ctx, tx, &ar); err != nil {
			return nil, 0, err
		}
		v := articleView(&ar)
		return &v, 201, tx.audit(ctx, "article.create", "article", ar.ID, map[string]any{"status": ar.Status, "language": ar.Language})
	})
	return r.Value, err
}

// UpdateArticle changes an article (the version must be the stored one).
func (a *App) UpdateArticle(ctx context.Context, p Principal, id string, in ArticleInput) (*ArticleView, error) {
	if err := mayWriteArticles(p); err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"article.update", "article", id}, func(tx *txn) (*ArticleView, int, error) {
		ar, err := tx.Article(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("article")
		} else if err != nil {
			return nil, 0, err
		}
		if in.Version != ar.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "文章已被修改,请刷新后重试", EN: "the article has changed; reload and try again"}, Version: int64(ar.Version)}
		}
		ar.Title, ar.Body, ar.Language, ar.Status, ar.Category, ar.Tags = in.Title, in.Body, in.Language, in.Status, in.Category, in.Tags
		ar.Author, ar.UpdatedAt = actorName(ctx, tx, p), tx.Now()
		ar.Version++
		tx.kbChanged = true
		if err := tx.UpdateArticle(ctx, &ar); err != nil {
			return nil, 0, err
		}
		if err := indexArticle(ctx, tx, &ar); err != nil {
			return nil, 0, err
		}
		v := articleView(&ar)
		return &v, 200, tx.audit(ctx, "article.update", "article", ar.ID, map[string]any{"status": ar.Status, "version": ar.Version})
	})
	return r.Value, err
}

// DeleteArticle removes an article.
func (a *App) DeleteArticle(ctx context.Context, p Principal, id string) error {
	if err := mayWriteArticles(p); err != nil {
		return err
	}
	_, err := write(ctx, a, p, nil, auditTarget{"article.delete", "article", id}, func(tx *txn) (*struct{}, int, error) {
		tx.kbChanged = true
		if err := tx.DeleteArticle(ctx, id); errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("article")
		} else if err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 204, tx.audit(ctx, "article.delete", "article", id, nil)
	})
	return err
}

// seesDrafts: the desk reads drafts; everyone else (customers, merchants, the public help
// centre) published articles only.
func seesDrafts(p Principal) bool {
	return p.Role == RoleAgent || p.Role == RoleSupervisor || p.Role == RoleAdmin
}

// GetArticle returns an article: a published one to anyone (p may be the zero principal
// of the public help centre), a draft to the desk.
func (a *App) GetArticle(ctx context.Context, p Principal, id string) (*ArticleView, error) {
	var v ArticleView
	err := a.store.View(ctx, func(tx store.Tx) error {
		ar, err := tx.Article(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && ar.Status != "published" && !seesDrafts(p) {
			return errNotFound("article")
		} else if err != nil {
			return err
		}
		v = articleView(&ar)
		return nil
	})
	return &v, fromCore(err)
}

// ListArticles lists articles (newest first), or searches them when q.Q is set (best
// first): published ones only unless p is the desk.
func (a *App) ListArticles(ctx context.Context, p Principal, q ArticleQuery) (*ArticleList, error) {
	if q.Limit < 0 || q.Limit > 500 {
		return nil, errInvalid("limit", "每页 1–500 条", "limit must be 1–500")
	}
	if q.Language != "" && !slices.Contains(articleLanguages, q.Language) {
		return nil, errInvalid("language", "语言应为 zh-CN 或 en", "language must be zh-CN or en")
	}
	if q.Status != "" && q.Status != "draft" && q.Status != "published" {
		return nil, errInvalid("status", "状态应为 draft 或 published", "status must be draft or published")
	}
	if !seesDrafts(p) {
		if q.Status == "draft" {
			return &ArticleList{Articles: []ArticleView{}}, nil
		}
		q.Status = "published"
	}
	if q.Q = strings.TrimSpace(text.Clean(q.Q)); q.Q != "" {
		if utf8.RuneCountInString(q.Q) > 200 {
			return nil, errInvalid("q", "搜索内容最多 200 个字符", "the search is at most 200 characters")
		}
		return a.searchArticles(ctx, q)
	}
	out := &ArticleList{Articles: []ArticleView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		as, next, err := tx.ListArticles(ctx, store.ArticleQuery{Status: q.Status, Language: q.Language, Category: q.Category, Cursor: q.Cursor, Limit: q.Limit})
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		}
		for i := range as {
			out.Articles = append(out.Articles, articleView(&as[i]))
		}
		out.Next = next
		return err
	})
	return out, fromCore(err)
}

// searchArticles ranks the articles q selects by its text (BM25 over segmented terms).
func (a *App) searchArticles(ctx context.Context, q ArticleQuery) (*ArticleList, error) {
	terms := kb.QueryTerms(q.Q)
	limit := q.Limit
	if limit == 0 {
		limit = 20
	}
	out := &ArticleList{Articles: []ArticleView{}, Terms: terms}
	if len(terms) == 0 {
		return out, nil
	}
	sq := store.ArticleQuery{Status: q.Status, Language: q.Language, Category: q.Category}
	err := a.store.View(ctx, func(tx store.Tx) error {
		hits, err := tx.ArticleTermHits(ctx, terms, sq)
		if err != nil {
			return err
		}
		n, avg, err := tx.ArticleStats(ctx, sq)
		if err != nil {
			return err
		}
		kh := make([]kb.Hit, len(hits))
		for i, h := range hits {
			kh[i] = kb.Hit{Article: h.ArticleID, Term: h.Term, Count: h.Count, Length: h.Length}
		}
		for _, r := range kb.Rank(kh, terms, n, avg) {
			if len(out.Articles) == limit {
				break
			}
			ar, err := tx.Article(ctx, r.Article)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			v := articleView(&ar)
			v.Score, v.Matched, v.Snippet = r.Score, r.Matched, kb.Snippet(ar.Body, r.Matched, 120)
			out.Articles = append(out.Articles, v)
		}
		return nil
	})
	return out, fromCore(err)
}

// SuggestArticles are up to n published articles for a text (a case's description, an
// application's reason) in a language ("zh" or "en", or an article language).
func (a *App) SuggestArticles(ctx context.Context, query, lang string, n int) []ArticleView {
	switch lang {
	case "zh", "zh-CN":
		lang = "zh-CN"
	case "en":
	default:
		lang = ""
	}
	if utf8.RuneCountInString(query) > 200 {
		query = string([]rune(query)[:200])
	}
	l, err := a.searchArticles(ctx, ArticleQuery{Q: query, Language: lang, Status: "published", Limit: n})
	if err != nil {
		a.log.Warn("kb: suggesting articles", "err", err)
		return nil
	}
	return l.Articles
}
