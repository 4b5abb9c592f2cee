package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/kb"
)

// The help centre (/help): the knowledge base's published articles for everyone, logged in
// or not — a search box whose results are ranked best first with the matched terms marked,
// the articles by category when nothing is searched, and each article on its own page
// (/help/{id}) with the search's terms marked and related articles. Drafts are the desk's
// (the application answers "not found" to everyone else).

// helpResults is how many results a search shows; helpBrowse how many of the newest
// articles the page lists by category.
const (
	helpResults = 20
	helpBrowse  = 200
	helpRelated = 3
)

// HelpArticle is an article as the help centre lists it: its title and snippet as spans,
// the marked ones being the search's terms.
type HelpArticle struct {
	app.ArticleView
	TitleSpans   []kb.Span
	SnippetSpans []kb.Span
	// Href is the article's page, carrying the search to mark its terms there.
	Href string
}

// HelpCategory is a category with its articles, newest first.
type HelpCategory struct {
	Name     string
	Articles []HelpArticle
}

// HelpData is the help centre's data.
type HelpData struct {
	Q string
	// Language is the articles' language shown: zh-CN, en, or "all".
	Language string
	Category string
	// Searched: a search was made (Results are its answer, best first).
	Searched bool
	Results  []HelpArticle
	// Categories are the articles by category (without a search), and the category list.
	Categories []HelpCategory
	Names      []string
	Problem    string
}

// helpLanguage is the articles' language a help page shows: the language parameter
// (zh-CN, en or all), else the page's.
func helpLanguage(q url.Values, l Lang) string {
	switch q.Get("language") {
	case "all":
		return "all"
	case "en":
		return "en"
	case "zh-CN", "zh":
		return "zh-CN"
	}
	return l.Tag()
}

// articleLanguage is the application's language filter for a help page's language.
func articleLanguage(language string) string {
	if language == "all" {
		return ""
	}
	return language
}

// Help is the help centre: the search's results (?q=), or the newest articles by category.
func (pg *Pages) Help(w http.ResponseWriter, r *http.Request, v *Visit) error {
	q := r.URL.Query()
	d := &HelpData{Q: strings.TrimSpace(q.Get("q")), Language: helpLanguage(q, v.Lang), Category: strings.TrimSpace(q.Get("category"))}
	lang := articleLanguage(d.Language)
	browse, err := pg.app.ListArticles(r.Context(), v.Principal, app.ArticleQuery{Language: lang, Status: "published", Limit: helpBrowse})
	if err != nil {
		return err
	}
	for _, a := range browse.Articles {
		if a.Category != "" && !slices.Contains(d.Names, a.Category) {
			d.Names = append(d.Names, a.Category)
		}
	}
	slices.Sort(d.Names)
	status := http.StatusOK
	if d.Q != "" {
		d.Searched = true
		res, err := pg.app.ListArticles(r.Context(), v.Principal, app.ArticleQuery{Q: d.Q, Language: lang, Status: "published", Category: d.Category, Limit: helpResults})
		problem := &FormProblem{Fields: map[string]string{}}
		switch {
		case err == nil:
			for _, a := range res.Articles {
				d.Results = append(d.Results, helpArticle(a, res.Terms, d.Q, v.Lang))
			}
		case pg.formProblem(v.Lang, err, problem):
			d.Problem, status = problem.Message, problemStatus(err)
		default:
			return err
		}
	} else {
		d.Categories = byCategory(browse.Articles, d.Category, v.Lang)
	}
	p := pg.page(r, v, "help.title")
	p.Data = d
	pg.render(w, r, status, "help", p)
	return nil
}

// helpArticle is a found article with its title and snippet marked where q matched.
func helpArticle(a app.ArticleView, terms []string, q string, l Lang) HelpArticle {
	marks := a.Matched
	if len(marks) == 0 {
		marks = terms
	}
	snippet := a.Snippet
	if snippet == "" {
		snippet = kb.Snippet(a.Body, marks, 120)
	}
	href := "/help/" + url.PathEscape(a.ID) + "?lang=" + string(l)
	if q != "" {
		href += "&q=" + url.QueryEscape(q)
	}
	return HelpArticle{ArticleView: a, TitleSpans: kb.Highlight(a.Title, marks), SnippetSpans: kb.Highlight(snippet, marks), Href: href}
}

// byCategory groups articles (newest first) by category, the uncategorised last; only
// category when it is set.
func byCategory(as []app.ArticleView, category string, l Lang) []HelpCategory {
	var out []HelpCategory
	var other *HelpCategory
	for _, a := range as {
		if category != "" && a.Category != category {
			continue
		}
		h := helpArticle(a, nil, "", l)
		h.SnippetSpans = []kb.Span{{Text: kb.Snippet(a.Body, nil, 120)}}
		if a.Category == "" {
			if other == nil {
				other = &HelpCategory{}
			}
			other.Articles = append(other.Articles, h)
			continue
		}
		i := slices.IndexFunc(out, func(c HelpCategory) bool { return c.Name == a.Category })
		if i < 0 {
			out, i = append(out, HelpCategory{Name: a.Category}), len(out)
		}
		out[i].Articles = append(out[i].Articles, h)
	}
	if other != nil {
		out = append(out, *other)
	}
	return out
}

// HelpArticleData is an article's page's data.
type HelpArticleData struct {
	Article app.ArticleView
	Title   []kb.Span
	// Paragraphs are the body's paragraphs (separated by blank lines), the search's terms
	// marked.
	Paragraphs [][]kb.Span
	Q          string
	Related    []HelpArticle
	// Desk: the visitor writes the knowledge base (a link to the editor).
	Desk bool
}

// blankLines separate an article's paragraphs.
var blankLines = regexp.MustCompile(`\n[ \t\r]*\n`)

// HelpArticle shows an article, with the terms of the search it was found by (?q=) marked
// and related articles.
func (pg *Pages) HelpArticle(w http.ResponseWriter, r *http.Request, v *Visit) error {
	a, err := pg.app.GetArticle(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var terms []string
	if q != "" {
		terms = kb.QueryTerms(q)
	}
	d := &HelpArticleData{Article: *a, Title: kb.Highlight(a.Title, terms), Q: q, Desk: pg.app.MayWriteArticles(v.Principal) == nil}
	for _, para := range blankLines.Split(strings.ReplaceAll(a.Body, "\r\n", "\n"), -1) {
		if para = strings.TrimSpace(para); para != "" {
			d.Paragraphs = append(d.Paragraphs, kb.Highlight(para, terms))
		}
	}
	for _, s := range pg.app.SuggestArticles(r.Context(), a.Title, a.Language, helpRelated+1) {
		if s.ID != a.ID && len(d.Related) < helpRelated {
			d.Related = append(d.Related, helpArticle(s, nil, "", v.Lang))
		}
	}
	p := pg.page(r, v, "help.article_title", a.Title)
	p.Data = d
	pg.render(w, r, http.StatusOK, "help_article", p)
	return nil
}

// applySuggestions is how many articles the application form suggests.
const applySuggestions = 3

// suggestForApply are the articles that may help before applying: found by the reason
// chosen (its name in the page's language) and the line's title.
func (pg *Pages) suggestForApply(r *http.Request, l Lang, reason, item string) []HelpArticle {
	query := strings.TrimSpace(reason + " " + item)
	if query == "" {
		return nil
	}
	var out []HelpArticle
	for _, a := range pg.app.SuggestArticles(r.Context(), query, string(l), applySuggestions) {
		out = append(out, helpArticle(a, nil, "", l))
	}
	return out
}
