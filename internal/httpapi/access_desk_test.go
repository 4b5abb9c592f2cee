package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's service desk (SPEC §6, §11, §12): the queue and rules are the
// platform desk's; canned replies are the desk's and merchants' (each merchant its own);
// articles are read by everyone and written by the desk; a case's rating by its customer;
// reviews by supervisors; inbound email by the platform's mail gateway.
func init() { insertAccessRows("homePage", deskAccess...) }

var deskAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "getQueue", want: deskReaders("200")},
	{op: "getDeskRules", want: deskReaders("200")},
	{op: "putDeskRules", want: map[string]string{"*": "403", "anonymous": "401", "supervisor": "200", "admin": "200"}},
	{op: "listReplies", want: replyUsers("200")},
	// Agents use the platform's replies; supervisors and admins keep them; merchants their own.
	{op: "createReply", want: map[string]string{"*": "403", "anonymous": "401", "merchant": "201", "merchant (session)": "201", "supervisor": "201", "admin": "201"}},
	{op: "getReply", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"merchant": "200 404 200", "merchant (session)": "200 404 200", "agent": "200 200 200", "agent@shop-a (session)": "200 404 200",
		"supervisor": "200 200 200", "admin": "200 200 200"}},
	{op: "updateReply", want: replyEditors("200")},
	{op: "deleteReply", want: replyEditors("204")},
	// Published articles are everyone's to read (the help centre is public).
	{op: "listArticles", want: map[string]string{"*": "200", "anonymous": "401"}},
	{op: "getArticle", want: map[string]string{"*": "200", "anonymous": "401"}},
	{op: "createArticle", want: articleWriters("201")},
	{op: "updateArticle", want: articleWriters("200")},
	{op: "deleteArticle", want: articleWriters("204")},
	// Only the customer rates, and only an ended case (these are open: 409).
	{op: "submitSurvey", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"customer": "409 409 404", "customer@shop-a": "409 404 404"}},
	// Not rated yet: whoever sees the case is told so; the others that there is no case.
	{op: "getSurvey", want: map[string]string{"*": "404 404 404", "anonymous": "401 401 401"}},
	{op: "listSurveys", want: map[string]string{"*": "403", "anonymous": "401", "merchant": "200", "merchant (session)": "200",
		"agent": "200", "agent@shop-a (session)": "200", "supervisor": "200", "admin": "200"}},
	{op: "createTask", want: map[string]string{"*": "403", "anonymous": "401", "agent": "201", "agent@shop-a (session)": "201", "supervisor": "201"}},
	{op: "sampleReviews", want: map[string]string{"*": "403", "anonymous": "401", "supervisor": "201", "admin": "201"}},
	// An agent's reviews are a person's: a staff account's session (or token).
	{op: "listReviews", want: map[string]string{"*": "403", "anonymous": "401", "agent@shop-a (session)": "200", "supervisor": "200", "admin": "200"}},
	// No such review: nobody finds it; supervisors are let in to look.
	{op: "getReview", want: map[string]string{"*": "404", "anonymous": "401"}},
	{op: "scoreReview", want: map[string]string{"*": "403", "anonymous": "401", "supervisor": "404", "admin": "404"}},
	// The platform's mail gateway (this body is no email: 422); a merchant's integration may not.
	{op: "receiveEmail", want: map[string]string{"*": "403", "anonymous": "401", "admin": "422", "integration": "422"}},
}

func deskReaders(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "agent": ok, "agent@shop-a (session)": ok, "supervisor": ok, "admin": ok}
}

func replyUsers(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "merchant": ok, "merchant (session)": ok,
		"agent": ok, "agent@shop-a (session)": ok, "supervisor": ok, "admin": ok}
}

// replyEditors: each cell a fresh reply of the target's merchant.
func replyEditors(ok string) map[string]string {
	all, own := ok+" "+ok+" "+ok, ok+" 404 "+ok
	return map[string]string{"*": "403 403 403", "anonymous": "401 401 401", "merchant": own, "merchant (session)": own,
		"agent": "403 403 403", "agent@shop-a (session)": "403 404 403", "supervisor": all, "admin": all}
}

func articleWriters(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "agent": ok, "agent@shop-a (session)": ok, "supervisor": ok, "admin": ok}
}

// deskReply is a fresh canned reply of the target's merchant.
func (aw *accessWorld) deskReply(t *testing.T, tg target) app.ReplyView {
	t.Helper()
	merchant, _ := tg.owner()
	v, err := aw.env.App.CreateReply(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"},
		app.ReplyInput{Title: app.Text{ZH: "话术", EN: "reply"}, Body: app.Text{ZH: "您好 {{customer_name}}"}, Scope: "merchant", Merchant: merchant})
	if err != nil {
		t.Fatal(err)
	}
	return *v
}

// deskArticle is a fresh published article.
func (aw *accessWorld) deskArticle(t *testing.T) app.ArticleView {
	t.Helper()
	v, err := aw.env.App.CreateArticle(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"},
		app.ArticleInput{Title: fmt.Sprintf("退货流程 %d", aw.serial.Add(1)), Body: "正文", Language: "zh-CN", Status: "published"})
	if err != nil {
		t.Fatal(err)
	}
	return *v
}

// deskRequest is the request of a cell of the desk's API rows (false for another row).
func (aw *accessWorld) deskRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "getQueue":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/queue"}
	case "getDeskRules":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/desk/rules"}
	case "putDeskRules":
		cur, err := aw.env.App.DeskRules(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"})
		if err != nil {
			t.Fatal(err)
		}
		rules := cur.Rules
		rules.Cap++
		r = apitest.Request{Method: http.MethodPut, Path: "/api/v1/desk/rules", JSON: rules}
	case "listReplies":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/replies"}
	case "createReply":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/replies", JSON: app.ReplyInput{Title: app.Text{ZH: "新话术"}, Body: app.Text{ZH: "{{rma}} 已收到"}}}
	case "getReply":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/replies/" + aw.deskReply(t, tg).ID}
	case "updateReply":
		rp := aw.deskReply(t, tg)
		r = apitest.Request{Method: http.MethodPut, Path: "/api/v1/replies/" + rp.ID, JSON: app.ReplyInput{Title: rp.Title, Body: app.Text{ZH: "改过 {{rma}}"},
			Scope: rp.Scope, Merchant: rp.Merchant, Version: rp.Version}}
	case "deleteReply":
		r = apitest.Request{Method: http.MethodDelete, Path: "/api/v1/replies/" + aw.deskReply(t, tg).ID}
	case "listArticles":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/kb/articles?q=" + urlQuery("退货")}
	case "getArticle":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/kb/articles/" + aw.deskArticle(t).ID}
	case "createArticle":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/kb/articles", JSON: app.ArticleInput{Title: "换货", Body: "正文", Language: "zh-CN"}}
	case "updateArticle":
		a := aw.deskArticle(t)
		r = apitest.Request{Method: http.MethodPut, Path: "/api/v1/kb/articles/" + a.ID, JSON: app.ArticleInput{Title: a.Title, Body: "新正文", Language: a.Language, Status: a.Status, Version: a.Version}}
	case "deleteArticle":
		r = apitest.Request{Method: http.MethodDelete, Path: "/api/v1/kb/articles/" + aw.deskArticle(t).ID}
	case "submitSurvey":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + aw.cases[tg].ID + "/survey", JSON: desk.Survey{Attitude: 5, Speed: 5, Result: 5}}
	case "getSurvey":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + aw.cases[tg].ID + "/survey"}
	case "listSurveys":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/surveys"}
	case "createTask":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks", JSON: app.TaskInput{Kind: "reminder", Title: "回电 / call back", DueInHours: 4}}
	case "sampleReviews":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/sample", JSON: app.SampleInput{Rule: "random", Count: 1}}
	case "listReviews":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/reviews"}
	case "getReview":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/reviews/no-such-review"}
	case "scoreReview":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/reviews/no-such-review/score", JSON: app.ReviewInput{Scores: map[string]int{"courtesy": 5}, Version: 1}}
	case "receiveEmail":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/inbound/email", Body: []byte("not an email"), ContentType: "message/rfc822"}
	default:
		return r, false
	}
	return p.as(r), true
}
