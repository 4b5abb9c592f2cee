package httpapi_test

// The help centre and the desk's article editor as people use them, on both stores. The
// desk writes articles — in Chinese "蓝牙耳机的退货流程" and "退款多久到账", in English "How to
// return an item" — and anyone, logged in or not, searches them on /help: Chinese is
// segmented, so "耳机退货" finds the headphones' return first with both words marked; an
// English search finds the English article. A draft is the desk's: not found on /help for
// visitors and customers, listed in /kb for agents. Customers write nothing. The editor's
// form keeps what was typed and says what is wrong at the field; a change over a newer
// version is a conflict. The application form suggests the article that may help.

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// helpResult is a search result's link (the article's id) on /help.
var helpResult = regexp.MustCompile(`<h3><a href="/help/([0-9a-f-]{36})\?lang=[a-z]+&amp;q=`)

// mustArticle writes an article as the desk through the application.
func mustArticle(t *testing.T, env *apitest.Env, in app.ArticleInput) *app.ArticleView {
	t.Helper()
	a, err := env.App.CreateArticle(t.Context(), pagesAdmin, in)
	if err != nil {
		t.Fatalf("article %q: %v", in.Title, err)
	}
	return a
}

// anonymous is a visitor's page without a session.
func anonymous(t *testing.T, env *apitest.Env, path string) *apitest.Response {
	t.Helper()
	return env.Do(t, apitest.Request{Method: http.MethodGet, Path: path})
}

// helpArticles are the knowledge base of the tests.
func helpArticles(t *testing.T, env *apitest.Env) (headphones, refund, english, draft *app.ArticleView) {
	t.Helper()
	headphones = mustArticle(t, env, app.ArticleInput{Title: "蓝牙耳机的退货流程", Language: "zh-CN", Status: "published", Category: "退货",
		Body: "蓝牙耳机签收后七天内可以申请退货。\n\n请保持耳机和充电盒完好,在订单页选择“申请售后”并上传照片。", Tags: []string{"耳机"}})
	refund = mustArticle(t, env, app.ArticleInput{Title: "退款多久到账", Language: "zh-CN", Status: "published", Category: "退款",
		Body: "商家确认收货后,退款原路返回,一般一到三个工作日到账。"})
	english = mustArticle(t, env, app.ArticleInput{Title: "How to return an item", Language: "en", Status: "published", Category: "returns",
		Body: "Open the order and choose Apply for after-sales.\n\nThe refund reaches your original payment method within three working days."})
	draft = mustArticle(t, env, app.ArticleInput{Title: "耳机退货的内部草稿", Language: "zh-CN", Status: "draft",
		Body: "耳机退货草稿,尚未发布。"})
	return
}

func TestHelpCentreSearchesArticlesWithoutLogin(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		headphones, refund, english, draft := helpArticles(t, env)
		customer := env.CustomerSession(t, "shop-a", "cust-1")

		// A Chinese search, without a session: the headphones' return first, both words
		// marked in the title; the draft is not among the results.
		res := anonymous(t, env, "/help?lang=zh&q="+url.QueryEscape("耳机退货"))
		wantPage(t, res, http.StatusOK, "帮助中心", "<mark>耳机</mark>", "<mark>退货</mark>", `name="q"`, `value="耳机退货"`)
		ids := helpResult.FindAllStringSubmatch(string(res.Body), -1)
		if len(ids) == 0 || ids[0][1] != headphones.ID {
			t.Fatalf("the first result is %v, want %s (蓝牙耳机的退货流程):\n%s", ids, headphones.ID, res.Body)
		}
		for _, m := range ids {
			if m[1] == draft.ID {
				t.Errorf("a visitor's search finds the draft")
			}
		}
		if !strings.Contains(string(res.Body), "蓝牙<mark>耳机</mark>的<mark>退货</mark>流程") {
			t.Errorf("the title is not marked where the search matched:\n%s", res.Body)
		}
		// The page has the layout of a visitor: the help link, no logout.
		wantPage(t, res, http.StatusOK, `href="/help"`)
		if strings.Contains(string(res.Body), `action="/logout"`) {
			t.Error("a visitor's help page offers to log out")
		}

		// An English search in English finds the English article (the page's language is
		// the articles' language), and not the Chinese ones.
		res = anonymous(t, env, "/help?q=refund&lang=en")
		wantPage(t, res, http.StatusOK, "Help centre", "How to return an item", "<mark>refund</mark>")
		if ids := helpResult.FindAllStringSubmatch(string(res.Body), -1); len(ids) != 1 || ids[0][1] != english.ID {
			t.Errorf("refund (en) finds %v, want only %s", ids, english.ID)
		}
		// All languages: the Chinese page finds the English one too.
		wantPage(t, anonymous(t, env, "/help?lang=zh&language=all&q=refund"), http.StatusOK, "How to return an item")
		// Nothing found says so.
		wantPage(t, anonymous(t, env, "/help?lang=en&q=zebra"), http.StatusOK, "Nothing matches.")

		// Without a search: the newest published articles by category, and the category list.
		res = anonymous(t, env, "/help?lang=zh")
		wantPage(t, res, http.StatusOK, "蓝牙耳机的退货流程", "退款多久到账", "<h2>退货</h2>", "<h2>退款</h2>", "category=%e9%80%80%e6%ac%be")
		if strings.Contains(string(res.Body), draft.Title) {
			t.Error("the help centre lists the draft")
		}
		res = anonymous(t, env, "/help?lang=zh&category="+url.QueryEscape("退款"))
		wantPage(t, res, http.StatusOK, "退款多久到账")
		if strings.Contains(string(res.Body), "<h2>退货</h2>") {
			t.Error("one category's page lists another category")
		}

		// The article: its paragraphs, the search's terms marked when it was found by one,
		// related articles.
		res = anonymous(t, env, "/help/"+headphones.ID+"?lang=zh&q="+url.QueryEscape("耳机退货"))
		wantPage(t, res, http.StatusOK, "<p>蓝牙<mark>耳机</mark>签收后七天内可以申请<mark>退货</mark>。</p>", "<p>请保持<mark>耳机</mark>", "返回搜索结果")
		res = anonymous(t, env, "/help/"+headphones.ID+"?lang=zh")
		wantPage(t, res, http.StatusOK, "<p>蓝牙耳机签收后七天内可以申请退货。</p>")
		if strings.Contains(string(res.Body), "<mark>") {
			t.Error("an article opened without a search is marked")
		}
		wantPage(t, anonymous(t, env, "/help/"+english.ID+"?lang=en"), http.StatusOK, "<p>Open the order and choose Apply for after-sales.</p>")
		_ = refund

		// A draft is not found for visitors and customers; the desk reads it.
		wantPage(t, anonymous(t, env, "/help/"+draft.ID+"?lang=en"), http.StatusNotFound)
		wantPage(t, getPageIn(t, env, customer, "/help/"+draft.ID, "en"), http.StatusNotFound)
		wantPage(t, anonymous(t, env, "/help/no-such-article?lang=en"), http.StatusNotFound)
		agent := env.Login(t, "agent.kb", env.User(t, "agent.kb", app.RoleAgent, ""))
		wantPage(t, getPageIn(t, env, agent, "/help/"+draft.ID, "zh"), http.StatusOK, "耳机退货草稿,尚未发布。", "草稿")

		// A customer's help page is the same page in the customer's layout.
		res = getPageIn(t, env, customer, "/help?q="+url.QueryEscape("耳机退货"), "zh")
		wantPage(t, res, http.StatusOK, "<mark>耳机</mark>", `action="/logout"`, `href="/help" aria-current="page"`)
		// A session that ended is a visitor's page, not a login.
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/help?lang=en", Cookies: []*http.Cookie{{Name: "as_session", Value: "ended"}}})
		wantPage(t, res, http.StatusOK, "Help centre")
	})
}

func TestDeskWritesArticlesInTheEditor(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		_, _, _, draft := helpArticles(t, env)
		env.Merchant(t, "shop-a")
		agent := env.Login(t, "agent.kb", env.User(t, "agent.kb", app.RoleAgent, ""))
		other := env.Login(t, "agent.other", env.User(t, "agent.other", app.RoleAgent, ""))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))

		// The list has the drafts, filtered by status and language.
		wantPage(t, getPageIn(t, env, agent, "/kb", "zh"), http.StatusOK, "知识库", draft.Title, "蓝牙耳机的退货流程", "How to return an item")
		res := getPageIn(t, env, agent, "/kb?status=draft", "en")
		wantPage(t, res, http.StatusOK, draft.Title)
		if strings.Contains(string(res.Body), "蓝牙耳机的退货流程") {
			t.Error("the drafts' list shows a published article")
		}
		res = getPageIn(t, env, agent, "/kb?language=en", "en")
		wantPage(t, res, http.StatusOK, "How to return an item")
		if strings.Contains(string(res.Body), "蓝牙耳机的退货流程") {
			t.Error("the English list shows a Chinese article")
		}

		// Customers and merchants neither read the editor nor write.
		form := url.Values{"title": {"顾客的文章"}, "body": {"正文"}, "language": {"zh-CN"}, "status": {"published"}}
		for _, s := range []*apitest.Session{customer, staff} {
			for _, p := range []string{"/kb", "/kb/new", "/kb/" + draft.ID + "/edit"} {
				wantPage(t, getPageIn(t, env, s, p, "en"), http.StatusForbidden)
			}
			wantPage(t, postPageIn(t, env, s, "/kb", "en", url.Values{"title": form["title"], "body": form["body"], "language": form["language"], "status": form["status"]}), http.StatusForbidden)
			wantPage(t, postPageIn(t, env, s, "/kb/"+draft.ID+"/delete", "en", url.Values{}), http.StatusForbidden)
		}
		if l, _ := env.App.ListArticles(t.Context(), pagesAdmin, app.ArticleQuery{Q: "顾客的文章"}); len(l.Articles) != 0 {
			t.Fatalf("a customer's form wrote %v", l.Articles)
		}
		// A form without its CSRF token writes nothing.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/kb", Cookies: []*http.Cookie{agent.Cookie}, Form: url.Values{
			"title": {"无令牌"}, "body": {"正文"}, "language": {"zh-CN"}}})
		wantPage(t, res, http.StatusForbidden)

		// An empty title is shown at the field, and what was typed is kept.
		res = postPageIn(t, env, agent, "/kb", "en", url.Values{"title": {""}, "body": {"Keep this body, please."}, "language": {"en"},
			"status": {"published"}, "category": {"returns"}, "tags": {"return, parcel"}})
		wantPage(t, res, http.StatusUnprocessableEntity, "the title is required", "Keep this body, please.</textarea>", `value="returns"`,
			`value="return, parcel"`, `name="title" value="" maxlength="200" aria-invalid="true"><span class="field-error" role="alert">the title is required</span>`)

		// Created: to the list, where it is; published, the help centre finds it.
		res = postPageIn(t, env, agent, "/kb", "en", url.Values{"title": {"Exchanging a size"}, "body": {"Ask for an exchange on the order page.\n\nThe new size ships when yours arrives."},
			"language": {"en"}, "status": {"published"}, "category": {"exchange"}, "tags": {"size, exchange"}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/kb?done=article_created&lang=en#article-") {
			t.Fatalf("create: %d to %q: %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		id := strings.TrimPrefix(res.Header.Get("Location"), "/kb?done=article_created&lang=en#article-")
		wantPage(t, getPageIn(t, env, agent, "/kb?done=article_created", "en"), http.StatusOK, "The article was created.", "Exchanging a size")
		wantPage(t, anonymous(t, env, "/help?lang=en&q=exchange"), http.StatusOK, "<mark>Exchang")
		a, err := env.App.GetArticle(t.Context(), pagesAdmin, id)
		if err != nil || !strings.Contains(a.Author, "agent.kb") || strings.Join(a.Tags, "|") != "size|exchange" {
			t.Fatalf("the article %+v (%v), want agent.kb's with tags size, exchange", a, err)
		}

		// Edited at its version; another agent's form of the older version is a conflict
		// that keeps what was typed and shows the article as it is now.
		edit := getPageIn(t, env, agent, "/kb/"+id+"/edit", "en")
		wantPage(t, edit, http.StatusOK, `name="version" value="1"`, "Exchanging a size", `value="size, exchange"`)
		stale := getPageIn(t, env, other, "/kb/"+id+"/edit", "en")
		wantPage(t, stale, http.StatusOK, `name="version" value="1"`)
		res = postPageIn(t, env, agent, "/kb/"+id, "en", url.Values{"title": {"Exchanging for another size"}, "body": {a.Body},
			"language": {"en"}, "status": {"published"}, "category": {"exchange"}, "tags": {"size"}, "version": {"1"}})
		wantRedirect(t, res, "/kb?done=article_saved&lang=en#article-"+id)
		res = postPageIn(t, env, other, "/kb/"+id, "en", url.Values{"title": {"Their title"}, "body": {"Their body"},
			"language": {"en"}, "status": {"published"}, "version": {"1"}})
		wantPage(t, res, http.StatusConflict, "Someone else saved this article meanwhile (now version 2)", "Their body</textarea>",
			`value="Their title"`, `name="version" value="2"`, "Exchanging for another size")
		if a, _ := env.App.GetArticle(t.Context(), pagesAdmin, id); a.Title != "Exchanging for another size" || a.Version != 2 {
			t.Fatalf("after the conflict the article is %q v%d", a.Title, a.Version)
		}
		wantPage(t, getPageIn(t, env, agent, "/kb/no-such-article/edit", "en"), http.StatusNotFound)

		// Deleted: gone from the list and the help centre.
		wantRedirect(t, postPageIn(t, env, agent, "/kb/"+id+"/delete", "en", url.Values{}), "/kb?done=article_deleted&lang=en")
		wantPage(t, anonymous(t, env, "/help/"+id+"?lang=en"), http.StatusNotFound)
		if res := getPageIn(t, env, agent, "/kb", "en"); strings.Contains(string(res.Body), "Exchanging") {
			t.Error("the list shows the deleted article")
		}
		wantPage(t, postPageIn(t, env, agent, "/kb/"+id+"/delete", "en", url.Values{}), http.StatusNotFound)
	})
}

func TestApplyPageSuggestsHelpArticles(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		headphones, _, _, draft := helpArticles(t, env)
		item := line("EARBUDS", 1, 19900)
		item.Title, item.Category = "蓝牙耳机", "electronics"
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", item))
		customer := env.CustomerSession(t, "shop-a", "cust-1")

		// The form suggests the headphones' return, linked to the help centre, in the page's
		// language; never the draft.
		res := getPageIn(t, env, customer, "/orders/"+o.OrderNo+"/apply?sku=EARBUDS&type=return_refund&reason=no_reason", "zh")
		wantPage(t, res, http.StatusOK, "申请之前,这些文章也许能帮到您", `href="/help/`+headphones.ID+`?lang=zh"`, "蓝牙耳机的退货流程")
		if strings.Contains(string(res.Body), draft.ID) {
			t.Error("the application form suggests a draft")
		}
		// The estimate fragment (what the form's script fetches as the reason changes)
		// carries the suggestions too.
		res = getPageIn(t, env, customer, "/orders/"+o.OrderNo+"/estimate?sku=EARBUDS&type=return_refund&reason=no_reason", "zh")
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `href="/help/`+headphones.ID+`?lang=zh"`) {
			t.Errorf("the estimate fragment suggests nothing: %d %s", res.Status, res.Body)
		}
		// In English there is no English article about headphones: no Chinese one is
		// offered instead.
		res = getPageIn(t, env, customer, "/orders/"+o.OrderNo+"/apply?sku=EARBUDS&type=return_refund&reason=no_reason", "en")
		wantPage(t, res, http.StatusOK)
		if strings.Contains(string(res.Body), headphones.ID) {
			t.Error("the English form suggests a Chinese article")
		}
	})
}
