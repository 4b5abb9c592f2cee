package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// articleFields are the article form's fields: the JSON API's (desk.go), tags comma
// separated.
var articleFields = []formField{csrfFormField, langField,
	{name: "title", description: "the title (at most 200 characters)"},
	{name: "body", description: "the text: plain, blank lines separate paragraphs (at most 50,000 characters)"},
	{name: "language", description: "zh-CN or en"},
	{name: "status", description: "draft (the default) or published", optional: true},
	{name: "category", description: "e.g. an after-sales reason, refund, logistics", optional: true},
	{name: "tags", description: "tags separated by commas", optional: true},
}

// helpPageRoutes are the knowledge base's pages: the public help centre (/help) with its
// search, and the desk's article editor.
//
// The help centre needs no session: visitors without one read the published articles; with
// one, the same pages come in the visitor's layout (and the desk reads drafts there too).
// The editor is the desk's (agents, supervisors, admins: the application decides; others
// 403).
var helpPageRoutes = []route{
	{
		pattern: "GET /help", id: "helpPage", tag: "pages", page: true,
		summary: "The help centre (no login needed): search the published articles (best first, the matched terms marked), or the newest by category",
		query: []queryParam{langParam,
			{name: "q", kind: "string", description: "the search (Chinese is segmented into words), at most 200 characters"},
			{name: "language", kind: "string", enum: func() []string { return []string{"zh-CN", "en", "all"} }, description: "the articles' language: the page's when empty"},
			{name: "category", kind: "string", description: "one category's articles"},
		},
		ok:     []response{htmlOK},
		errors: []int{http.StatusUnprocessableEntity},
		handle: publicPage((*web.Pages).Help),
	},
	{
		pattern: "GET /help/{id}", id: "helpArticlePage", tag: "pages", page: true,
		summary: "A help article (no login needed; drafts only for the desk) with the search's terms marked and related articles",
		query:   []queryParam{langParam, {name: "q", kind: "string", description: "the search the article was found by: its terms are marked"}},
		ok:      []response{htmlOK},
		errors:  pageNotFound,
		handle:  publicPage((*web.Pages).HelpArticle),
	},
	{
		pattern: "GET /kb", id: "kbPage", tag: "pages", auth: true, page: true,
		summary: "The desk's knowledge base: every article, drafts included, newest first, with the link to edit each",
		query: []queryParam{langParam,
			{name: "status", kind: "string", enum: func() []string { return []string{"draft", "published"} }, description: "draft or published; empty: both"},
			{name: "language", kind: "string", enum: func() []string { return []string{"zh-CN", "en"} }, description: "the articles' language; empty: both"},
			{name: "q", kind: "string", description: "search the articles"},
			{name: "cursor", kind: "string", description: "the next page"},
			{name: "done", kind: "string", description: "what was just done"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).KB),
	},
	{
		pattern: "GET /kb/new", id: "kbNewPage", tag: "pages", auth: true, page: true,
		summary: "The form of a new article",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).NewArticle),
	},
	{
		pattern: "POST /kb", id: "kbCreateForm", tag: "pages", auth: true, page: true,
		summary: "Create an article: to the knowledge base, or the form again with the problem at the field and what was typed",
		form:    articleFields,
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle:  page((*web.Pages).CreateArticle),
	},
	{
		pattern: "GET /kb/{id}/edit", id: "kbEditPage", tag: "pages", auth: true, page: true,
		summary: "The form of an article as stored, with its version",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).EditArticle),
	},
	{
		pattern: "POST /kb/{id}", id: "kbUpdateForm", tag: "pages", auth: true, page: true,
		summary: "Change an article at the version the form showed: to the knowledge base; a newer version is a conflict (409), the form again with the article as it is now and what was typed",
		form:    append(append([]formField(nil), articleFields...), formField{name: "version", description: "the version the form showed"}),
		ok:      []response{formDone},
		errors:  formRefused,
		handle:  page((*web.Pages).UpdateArticle),
	},
	{
		pattern: "POST /kb/{id}/delete", id: "kbDeleteForm", tag: "pages", auth: true, page: true,
		summary: "Delete an article: to the knowledge base",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).DeleteArticle),
	},
}

// publicPage adapts a page that needs no session: the visitor's session, if the browser
// has a live one, gives the page its layout and what its role may read; without one (or
// with one that ended) the page is shown to the zero principal. Only GET pages are public:
// such a page has no form of its own to guard.
func publicPage(h pageHandler) handlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
		var p app.Principal
		var csrf string
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			ci := clientFrom(r.Context())
			sp, sc, err := s.app.SessionPrincipal(r.Context(), c.Value, ci.addr, ci.client)
			switch {
			case err == nil:
				p, csrf = sp, sc
			case app.ErrorCode(err) != app.CodeUnauthorized:
				return err
			}
		}
		return h(s.web, w, r, s.visit(w, r, p, csrf))
	}
}
