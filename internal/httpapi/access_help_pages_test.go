package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's help centre and article editor. The help centre needs no session:
// every visitor reads the published articles (a bearer token is no login on a page, and no
// harm either). The editor reads the session only: the desk writes (an agent's session),
// customers and merchants may not (403), and without a session it is the login (303).
// The rows go before the admin pages', whose login rows end the browser's session.
func init() { insertAccessRows("adminPage", helpPageAccess...) }

var helpPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "helpPage", want: map[string]string{"*": "200"}},
	{op: "helpArticlePage", want: map[string]string{"*": "200"}},
	{op: "kbPage", want: kbPageDesk("200")},
	{op: "kbNewPage", want: kbPageDesk("200")},
	{op: "kbCreateForm", want: kbPageDesk("303")},
	{op: "kbEditPage", want: kbPageDesk("200")},
	{op: "kbUpdateForm", want: kbPageDesk("303")},
	{op: "kbDeleteForm", want: kbPageDesk("303")},
}

// kbPageDesk is a row of the article editor: the desk's session ok.
func kbPageDesk(ok string) map[string]string {
	return map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": ok}
}

// article writes a published article of the matrix and returns it.
func (aw *accessWorld) article(t *testing.T) *app.ArticleView {
	t.Helper()
	a, err := aw.env.App.CreateArticle(t.Context(), pagesAdmin, app.ArticleInput{Title: fmt.Sprintf("矩阵文章 %d", aw.serial.Add(1)),
		Body: "退货流程", Language: "zh-CN", Status: "published"})
	if err != nil {
		t.Fatalf("an article: %v", err)
	}
	return a
}

// helpPageRequest is the request of a cell of the help centre's and the editor's rows
// (false for another row).
func (aw *accessWorld) helpPageRequest(t *testing.T, op string, p principal, _ target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	fields := func(a *app.ArticleView) url.Values {
		return url.Values{"title": {fmt.Sprintf("矩阵新文章 %d", aw.serial.Add(1))}, "body": {"退款流程"}, "language": {"zh-CN"},
			"status": {"draft"}, "version": {strconv.Itoa(a.Version)}}
	}
	switch op {
	case "helpPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/help?q=" + url.QueryEscape("退货")}
	case "helpArticlePage":
		r = apitest.Request{Method: http.MethodGet, Path: "/help/" + aw.article(t).ID}
	case "kbPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/kb"}
	case "kbNewPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/kb/new"}
	case "kbCreateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/kb", Form: p.form(fields(&app.ArticleView{}))}
	case "kbEditPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/kb/" + aw.article(t).ID + "/edit"}
	case "kbUpdateForm":
		a := aw.article(t)
		r = apitest.Request{Method: http.MethodPost, Path: "/kb/" + a.ID, Form: p.form(fields(a))}
	case "kbDeleteForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/kb/" + aw.article(t).ID + "/delete", Form: p.form(url.Values{})}
	default:
		return r, false
	}
	return p.as(r), true
}
