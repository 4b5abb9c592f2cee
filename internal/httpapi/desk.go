package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/invopop/jsonschema"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/inbound"
)

// deskRoutes are the service desk's (SPEC §6, §11, §12): the queue and the assignment
// rules, canned replies, the knowledge base, satisfaction surveys, follow-up tasks,
// quality reviews and the email channel.
var deskRoutes = []route{
	{
		pattern: "GET /api/v1/queue", id: "getQueue", tag: "desk", auth: true,
		summary: "The service desk's queue: open cases (by deadline) and open complaints, by owner, group and SLA",
		query: []queryParam{
			{name: "assignee", kind: "string", description: "me, unassigned, or a staff username (or account id)"},
			{name: "group", kind: "string", description: "a desk group's queue"},
			{name: "sla", kind: "string", enum: slaNames, description: "on_track, at_risk or breached"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the queue", body: app.QueueView{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: getQueue,
	},
	{
		pattern: "GET /api/v1/desk/rules", id: "getDeskRules", tag: "desk", auth: true,
		summary: "The assignment rules (groups, strategies, skills, the cap, auto-assignment, the review rubric) and each member's open work",
		ok:      []response{{status: http.StatusOK, description: "the rules", body: app.DeskRulesView{}}},
		errors:  []int{http.StatusForbidden},
		handle:  getDeskRules,
	},
	{
		pattern: "PUT /api/v1/desk/rules", id: "putDeskRules", tag: "desk", auth: true,
		summary: "Replace the assignment rules (admins and supervisors; version: the stored one, 0 before any)",
		request: desk.Rules{},
		ok:      []response{{status: http.StatusOK, description: "the rules as saved", body: app.DeskRulesView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusConflict),
		handle:  putDeskRules,
	},
	{
		pattern: "GET /api/v1/replies", id: "listReplies", tag: "desk", auth: true,
		summary: "Canned replies (话术) you may use: the platform's and your merchant's; with case=, the platform's and the case merchant's, each rendered for that case",
		query: []queryParam{
			{name: "merchant", kind: "string", description: "also this merchant's (the desk; with case=, the case's merchant instead)"},
			{name: "scope", kind: "string", enum: func() []string { return []string{"platform", "merchant"} }, description: "platform or merchant"},
			{name: "q", kind: "string", description: "search the titles and bodies"},
			{name: "case", kind: "string", description: "a case id: render each reply's variables for it"},
			{name: "lang", kind: "string", enum: func() []string { return []string{"zh", "en"} }, description: "the language to render in (zh when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the replies", body: app.ReplyList{}}},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: listReplies,
	},
	{
		pattern: "POST /api/v1/replies", id: "createReply", tag: "desk", auth: true,
		summary: "Write a canned reply: title and body in zh and en with variables ({{customer_name}}, {{rma}}, {{deadline}}, {{refund_amount}} …)",
		request: ReplyBody{}, idempotencyNote: "each call writes a new reply",
		ok:     []response{{status: http.StatusCreated, description: "the reply", body: app.ReplyView{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: createReply,
	},
	{
		pattern: "GET /api/v1/replies/{id}", id: "getReply", tag: "desk", auth: true,
		summary: "A canned reply; with case=, rendered for that case in lang",
		query: []queryParam{
			{name: "case", kind: "string", description: "a case id to render the reply for"},
			{name: "lang", kind: "string", enum: func() []string { return []string{"zh", "en"} }, description: "zh or en"},
		},
		ok:     []response{{status: http.StatusOK, description: "the reply", body: app.ReplyView{}}},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: getReply,
	},
	{
		pattern: "PUT /api/v1/replies/{id}", id: "updateReply", tag: "desk", auth: true,
		summary: "Change a canned reply (version: the stored one)",
		request: ReplyBody{},
		ok:      []response{{status: http.StatusOK, description: "the reply", body: app.ReplyView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  updateReply,
	},
	{
		pattern: "DELETE /api/v1/replies/{id}", id: "deleteReply", tag: "desk", auth: true,
		summary: "Remove a canned reply",
		ok:      []response{{status: http.StatusNoContent, description: "removed"}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  deleteReply,
	},
	{
		pattern: "GET /api/v1/kb/articles", id: "listArticles", tag: "desk", auth: true,
		summary: "Knowledge-base articles, newest first; with q=, a search (Chinese segmented) best first with snippets",
		query: []queryParam{
			{name: "q", kind: "string", description: "search text, Chinese or English"},
			{name: "language", kind: "string", enum: func() []string { return []string{"zh-CN", "en"} }, description: "zh-CN or en"},
			{name: "status", kind: "string", enum: func() []string { return []string{"draft", "published"} }, description: "draft (the desk only) or published"},
			{name: "category", kind: "string", description: "a category"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page (not for searches)"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty; 20 for a search)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the articles", body: app.ArticleList{}}},
		errors: []int{http.StatusUnprocessableEntity},
		handle: listArticles,
	},
	{
		pattern: "POST /api/v1/kb/articles", id: "createArticle", tag: "desk", auth: true,
		summary: "Write an article (the platform's desk): title, body, language, status, category, tags",
		request: app.ArticleInput{}, idempotencyNote: "each call writes a new article",
		ok:     []response{{status: http.StatusCreated, description: "the article", body: app.ArticleView{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: createArticle,
	},
	{
		pattern: "GET /api/v1/kb/articles/{id}", id: "getArticle", tag: "desk", auth: true,
		summary: "An article (drafts: the desk only)",
		ok:      []response{{status: http.StatusOK, description: "the article", body: app.ArticleView{}}},
		errors:  []int{http.StatusNotFound},
		handle:  getArticle,
	},
	{
		pattern: "PUT /api/v1/kb/articles/{id}", id: "updateArticle", tag: "desk", auth: true,
		summary: "Change an article (version: the stored one)",
		request: app.ArticleInput{},
		ok:      []response{{status: http.StatusOK, description: "the article", body: app.ArticleView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  updateArticle,
	},
	{
		pattern: "DELETE /api/v1/kb/articles/{id}", id: "deleteArticle", tag: "desk", auth: true,
		summary: "Remove an article",
		ok:      []response{{status: http.StatusNoContent, description: "removed"}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  deleteArticle,
	},
	{
		pattern: "POST /api/v1/cases/{id}/survey", id: "submitSurvey", tag: "desk", auth: true,
		summary: "Rate a completed case (its customer, once: a second answer is a 409): attitude, speed and result 1–5, a comment; 2 or less opens a follow-up",
		request: desk.Survey{},
		ok:      []response{{status: http.StatusCreated, description: "the rating", body: app.SurveyView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  submitSurvey,
	},
	{
		pattern: "GET /api/v1/cases/{id}/survey", id: "getSurvey", tag: "desk", auth: true,
		summary: "A case's rating (its customer, its merchant, the desk)",
		ok:      []response{{status: http.StatusOK, description: "the rating", body: app.SurveyView{}}},
		errors:  []int{http.StatusNotFound},
		handle:  getSurvey,
	},
	{
		pattern: "GET /api/v1/surveys", id: "listSurveys", tag: "desk", auth: true,
		summary: "Ratings, newest first: a merchant's own, the desk's merchants'",
		query: []queryParam{
			{name: "merchant", kind: "string", description: "merchant code"},
			{name: "agent", kind: "string", description: "the owner's username"},
			{name: "low", kind: "boolean", description: "only those with a score of 2 or less"},
			{name: "from", kind: "date-time", description: "rated at or after (RFC 3339)"},
			{name: "to", kind: "date-time", description: "rated before (RFC 3339)"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the ratings", body: app.SurveyList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listSurveys,
	},
	{
		pattern: "POST /api/v1/tasks", id: "createTask", tag: "tasks", auth: true,
		summary: "Open a task by hand (the desk): follow_up, callback, outreach (缺货, due in 24 business hours by default) or reminder",
		request: app.TaskInput{},
		ok:      []response{{status: http.StatusCreated, description: "the task", body: app.TaskView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden),
		handle:  createTask,
	},
	{
		pattern: "POST /api/v1/reviews/sample", id: "sampleReviews", tag: "desk", auth: true,
		summary: "Sample closed cases for quality review (supervisors): random, low_csat, complaint or long_handling; each case once",
		request: app.SampleInput{}, idempotencyNote: "each call draws a new sample; a case already sampled is skipped",
		ok:     []response{{status: http.StatusCreated, description: "the new pending reviews and the rubric", body: app.ReviewList{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: sampleReviews,
	},
	{
		pattern: "GET /api/v1/reviews", id: "listReviews", tag: "desk", auth: true,
		summary: "Quality reviews: supervisors all of their merchants'; agents their own scored ones",
		query: []queryParam{
			{name: "agent", kind: "string", description: "whose work: a username, or me"},
			{name: "state", kind: "string", enum: func() []string { return []string{"pending", "done"} }, description: "pending or done"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the reviews and the rubric", body: app.ReviewList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listReviews,
	},
	{
		pattern: "GET /api/v1/reviews/{id}", id: "getReview", tag: "desk", auth: true,
		summary: "A quality review",
		ok:      []response{{status: http.StatusOK, description: "the review", body: app.ReviewView{}}},
		errors:  []int{http.StatusNotFound},
		handle:  getReview,
	},
	{
		pattern: "POST /api/v1/reviews/{id}/score", id: "scoreReview", tag: "desk", auth: true,
		summary: "Score a review against the rubric (supervisors): a score per criterion and a comment",
		request: app.ReviewInput{}, idempotencyNote: "scoring again with the answered version is a conflict",
		ok:     []response{{status: http.StatusOK, description: "the review", body: app.ReviewView{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle: scoreReview,
	},
	{
		pattern: "POST /api/v1/inbound/email", id: "receiveEmail", tag: "desk", auth: true,
		summary: "An inbound email as RFC 5322 (the mail gateway: platform integrations): with an RMA number in the subject it joins that case's conversation, otherwise it files a complaint",
		rawBody: "message/rfc822", idempotencyNote: "the Message-ID: the same message twice is taken once (outcome duplicate)",
		ok:     []response{{status: http.StatusOK, description: "what the email became", body: app.InboundResult{}}},
		errors: []int{http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		handle: receiveEmail,
	},
}

// getQueue is GET /api/v1/queue.
func getQueue(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.QueueInput{Assignee: q.Get("assignee"), Group: q.Get("group"), SLA: q.Get("sla"), Cursor: q.Get("cursor")}
	var err error
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.Queue(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getDeskRules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.DeskRules(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func putDeskRules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[desk.Rules](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.SaveDeskRules(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func listReplies(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	var v *app.ReplyList
	var err error
	if caseID := q.Get("case"); caseID != "" {
		v, err = s.app.CaseReplies(r.Context(), p, caseID, q.Get("lang"), q.Get("scope"), q.Get("q"))
	} else {
		v, err = s.app.ListReplies(r.Context(), p, q.Get("merchant"), q.Get("scope"), q.Get("q"))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// ReplyBody is a canned reply as the API takes it: the title and the body each in zh and
// en, or one string for both languages.
type ReplyBody struct {
	Title    Bilingual `json:"title"`
	Body     Bilingual `json:"body" jsonschema:"description=variables: {{customer_name}} {{rma}} {{order_no}} {{deadline}} {{refund_amount}} {{state}} {{merchant}} {{agent_name}}"`
	Scope    string    `json:"scope,omitempty" jsonschema:"enum=platform,enum=merchant,description=platform (the desk's; the default for platform staff) or merchant (a merchant's staff: always)"`
	Merchant string    `json:"merchant,omitempty" jsonschema:"description=scope merchant: whose (a merchant's staff: their own)"`
	Shortcut string    `json:"shortcut,omitempty" jsonschema:"description=typed after / on the case page"`
	Version  int       `json:"version,omitempty" jsonschema:"description=on a change: the stored version"`
}

func (b *ReplyBody) input() app.ReplyInput {
	return app.ReplyInput{Title: app.Text(b.Title), Body: app.Text(b.Body), Scope: b.Scope, Merchant: b.Merchant, Shortcut: b.Shortcut, Version: b.Version}
}

// Bilingual is a text in zh and en: {"zh": …, "en": …}, or a string meaning both.
type Bilingual app.Text

// UnmarshalJSON takes the object or the string.
func (b *Bilingual) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = Bilingual{ZH: s, EN: s}
		return nil
	}
	var t struct {
		ZH string `json:"zh"`
		EN string `json:"en"`
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return err
	}
	*b = Bilingual{ZH: t.ZH, EN: t.EN}
	return nil
}

// JSONSchema is the object or the string.
func (Bilingual) JSONSchema() *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set("zh", &jsonschema.Schema{Type: "string", Description: "简体中文"})
	props.Set("en", &jsonschema.Schema{Type: "string", Description: "English"})
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "object", Properties: props},
		{Type: "string", Description: "the same text in both languages"},
	}}
}

func createReply(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	body, _, err := decodeJSON[ReplyBody](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateReply(r.Context(), p, body.input())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func getReply(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	if caseID := q.Get("case"); caseID != "" {
		v, err := s.app.RenderReply(r.Context(), p, r.PathValue("id"), caseID, q.Get("lang"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}
	v, err := s.app.GetReply(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func updateReply(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	body, _, err := decodeJSON[ReplyBody](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.UpdateReply(r.Context(), p, r.PathValue("id"), body.input())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func deleteReply(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	if err := s.app.DeleteReply(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// articleQuery reads the knowledge base's list and search parameters.
func articleQuery(q url.Values) (app.ArticleQuery, error) {
	in := app.ArticleQuery{Q: q.Get("q"), Language: q.Get("language"), Status: q.Get("status"), Category: q.Get("category"), Cursor: q.Get("cursor")}
	var err error
	in.Limit, err = queryLimit(q)
	return in, err
}

func listArticles(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, err := articleQuery(r.URL.Query())
	if err != nil {
		return err
	}
	v, err := s.app.ListArticles(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func createArticle(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.ArticleInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateArticle(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func getArticle(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetArticle(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func updateArticle(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.ArticleInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.UpdateArticle(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func deleteArticle(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	if err := s.app.DeleteArticle(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func submitSurvey(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[desk.Survey](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.SubmitSurvey(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func getSurvey(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetSurvey(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func listSurveys(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.SurveyQueryInput{Merchant: q.Get("merchant"), Agent: q.Get("agent"), Cursor: q.Get("cursor")}
	var err error
	if v := q.Get("low"); v != "" {
		if in.Low, err = strconv.ParseBool(v); err != nil {
			return errInvalidField("low", "low must be true or false", "low 应为 true 或 false")
		}
	}
	if in.From, err = queryTime(q, "from"); err != nil {
		return err
	}
	if in.To, err = queryTime(q, "to"); err != nil {
		return err
	}
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.ListSurveys(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func createTask(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.TaskInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.CreateTask(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func sampleReviews(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.SampleInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.SampleReviews(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func listReviews(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.ReviewQueryInput{Agent: q.Get("agent"), State: q.Get("state"), Cursor: q.Get("cursor")}
	var err error
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.ListReviews(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getReview(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetReview(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func scoreReview(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.ReviewInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.ScoreReview(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// receiveEmail is POST /api/v1/inbound/email: the raw message, at most inbound.MaxSize.
func receiveEmail(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, inbound.MaxSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &app.Error{Code: app.CodeTooLarge, Message: app.Text{ZH: "邮件过大(最大 10 MB)", EN: "the email is larger than 10 MB"}}
		}
		return &app.Error{Code: app.CodeMalformed, Message: app.Text{ZH: "无法读取邮件", EN: "the email could not be read"}, Err: err}
	}
	v, err := s.app.ReceiveEmail(r.Context(), p, raw)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
