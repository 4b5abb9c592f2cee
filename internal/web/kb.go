package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// The desk's article editor (/kb): the knowledge base with its drafts, filtered by status
// and language, and the forms that write, change and delete an article. The fields are the
// API's (title, body, language, status, category, tags — comma separated here — and
// version); the application decides who writes (agents, supervisors and admins: others
// 403) and refuses a change made over a newer version (409, shown at the form).

// kbPage is how many articles the editor lists at a time.
const kbPage = 50

// KBData is the editor's list.
type KBData struct {
	Rows     []app.ArticleView
	Status   string
	Language string
	Q        string
	Next     string
	// NextHref is the next page's address, with the filters.
	NextHref string
}

// KB lists the articles, drafts included (?status=, ?language=, ?q=).
func (pg *Pages) KB(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.MayWriteArticles(v.Principal); err != nil {
		return err
	}
	q := r.URL.Query()
	d := &KBData{Status: q.Get("status"), Language: q.Get("language"), Q: strings.TrimSpace(q.Get("q"))}
	list, err := pg.app.ListArticles(r.Context(), v.Principal, app.ArticleQuery{Q: d.Q, Status: d.Status, Language: d.Language,
		Cursor: q.Get("cursor"), Limit: kbPage})
	if err != nil {
		return err
	}
	d.Rows, d.Next = list.Articles, list.Next
	if d.Next != "" {
		nq := url.Values{"cursor": {d.Next}, "lang": {string(v.Lang)}}
		for k, val := range map[string]string{"status": d.Status, "language": d.Language, "q": d.Q} {
			if val != "" {
				nq.Set(k, val)
			}
		}
		d.NextHref = "/kb?" + nq.Encode()
	}
	p := pg.page(r, v, "kb.title")
	p.Data = d
	pg.render(w, r, http.StatusOK, "kb", p)
	return nil
}

// KBForm is what the article form holds, named as the API's fields.
type KBForm struct {
	Title, Body, Language, Status, Category, Tags string
	Version                                       int
}

// KBEditData is the article form's data: a new article (ID empty) or a change.
type KBEditData struct {
	ID      string
	Form    KBForm
	Errors  map[string]string
	Message string
	// Conflict: the article changed since the form was shown; Current is it now.
	Conflict bool
	Current  *app.ArticleView
}

// NewArticle shows the form of a new article, in the page's language, as a draft.
func (pg *Pages) NewArticle(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.MayWriteArticles(v.Principal); err != nil {
		return err
	}
	pg.renderArticleForm(w, r, v, http.StatusOK, &KBEditData{Form: KBForm{Language: v.Lang.Tag(), Status: "draft"}})
	return nil
}

// EditArticle shows the form of an article as stored.
func (pg *Pages) EditArticle(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.MayWriteArticles(v.Principal); err != nil {
		return err
	}
	a, err := pg.app.GetArticle(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg.renderArticleForm(w, r, v, http.StatusOK, &KBEditData{ID: a.ID, Form: articleForm(a)})
	return nil
}

func articleForm(a *app.ArticleView) KBForm {
	return KBForm{Title: a.Title, Body: a.Body, Language: a.Language, Status: a.Status, Category: a.Category,
		Tags: strings.Join(a.Tags, ", "), Version: a.Version}
}

func (pg *Pages) renderArticleForm(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *KBEditData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	key := "kb.new_title"
	if d.ID != "" {
		key = "kb.edit_title"
	}
	p := pg.page(r, v, key)
	p.Data = d
	pg.render(w, r, status, "kb_edit", p)
}

// readArticleForm is the posted article: the form as typed, and the application's input.
func readArticleForm(r *http.Request) (KBForm, app.ArticleInput) {
	f := KBForm{Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Language: r.PostForm.Get("language"),
		Status: r.PostForm.Get("status"), Category: r.PostForm.Get("category"), Tags: r.PostForm.Get("tags")}
	f.Version, _ = strconv.Atoi(r.PostForm.Get("version"))
	in := app.ArticleInput{Title: f.Title, Body: f.Body, Language: f.Language, Status: f.Status, Category: f.Category, Version: f.Version}
	for _, t := range strings.FieldsFunc(f.Tags, func(c rune) bool { return c == ',' || c == '，' || c == '、' }) {
		if t = strings.TrimSpace(t); t != "" {
			in.Tags = append(in.Tags, t)
		}
	}
	return f, in
}

// CreateArticle writes a new article and goes to the list; a refused form is shown again
// with the problem at its field and what was typed kept.
func (pg *Pages) CreateArticle(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f, in := readArticleForm(r)
	a, err := pg.app.CreateArticle(r.Context(), v.Principal, in)
	if err == nil {
		seeOther(w, "/kb?done=article_created&lang="+string(v.Lang)+"#article-"+url.PathEscape(a.ID))
		return nil
	}
	return pg.articleRefused(w, r, v, err, &KBEditData{Form: f})
}

// UpdateArticle changes an article at the version the form showed; a change over a newer
// version is a conflict, shown with the article as it is now.
func (pg *Pages) UpdateArticle(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	f, in := readArticleForm(r)
	_, err := pg.app.UpdateArticle(r.Context(), v.Principal, id, in)
	if err == nil {
		seeOther(w, "/kb?done=article_saved&lang="+string(v.Lang)+"#article-"+url.PathEscape(id))
		return nil
	}
	d := &KBEditData{ID: id, Form: f}
	if app.ErrorCode(err) == app.CodeConflict {
		cur, gerr := pg.app.GetArticle(r.Context(), v.Principal, id)
		if gerr != nil {
			return gerr
		}
		// The form keeps what was typed, at the current version: sent again, it
		// overwrites the other change knowingly.
		d.Conflict, d.Current, d.Form.Version = true, cur, cur.Version
	}
	return pg.articleRefused(w, r, v, err, d)
}

func (pg *Pages) articleRefused(w http.ResponseWriter, r *http.Request, v *Visit, err error, d *KBEditData) error {
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d.Errors, d.Message = problem.Fields, problem.Message
	pg.renderArticleForm(w, r, v, problemStatus(err), d)
	return nil
}

// DeleteArticle removes an article and goes back to the list.
func (pg *Pages) DeleteArticle(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.DeleteArticle(r.Context(), v.Principal, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, "/kb?done=article_deleted&lang="+string(v.Lang))
	return nil
}
