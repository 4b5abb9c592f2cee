package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// deskPageRoutes are the service desk's pages (SPEC §6, §11, §12): ownership on the queue
// and the case page (queuePage, casePage, caseAction with assign, transfer and take),
// canned replies, follow-up tasks, quality reviews, the assignment rules, the customer's
// rating of an ended case. The form fields are the JSON API's (desk.go).
var deskPageRoutes = []route{
	{
		pattern: "POST /cases/{id}/survey", id: "caseSurveyForm", tag: "pages", auth: true, page: true,
		summary: "The customer rates an ended case (满意度), once: back to the case with thanks, or the case again with the problem at the question (already rated: 409); someone else's case is not found",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "attitude", description: "the staff's attitude, 1–5"},
			{name: "speed", description: "the speed, 1–5"},
			{name: "result", description: "the result, 1–5"},
			{name: "comment", description: "what else the customer says", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).CaseSurveyForm),
	},
	{
		pattern: "POST /tasks", id: "taskCreateForm", tag: "pages", auth: true, page: true,
		summary: "Open a task by hand (agents and supervisors): follow_up, callback, outreach or reminder; to the open tasks, or the list again with the problem at the field",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "kind", description: "follow_up, callback, outreach or reminder"},
			{name: "title", description: "what is to be done"},
			{name: "case_id", description: "the case it is about", optional: true},
			{name: "detail", description: "more about it", optional: true},
			{name: "assignee", description: "a staff username, me, or empty for the queue", optional: true},
			{name: "due_in_hours", description: "due in this many business hours (outreach: 24 when empty)", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).TaskCreate),
	},
	{
		pattern: "GET /replies", id: "repliesPage", tag: "pages", auth: true, page: true,
		summary: "Canned replies (话术) the visitor may use, with the forms to write and change them: a merchant's staff their merchant's, supervisors and admins the platform's; agents read them",
		query:   []queryParam{langParam, {name: "q", kind: "string", description: "search the titles and bodies"}, {name: "done", kind: "string", description: "what was just done"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle:  page((*web.Pages).Replies),
	},
	{
		pattern: "POST /replies", id: "replyCreateForm", tag: "pages", auth: true, page: true,
		summary: "Write a canned reply: back to the list, or the list again with the problem at the field",
		form:    replyFormFields(false),
		ok:      []response{formDone},
		errors:  formRefused,
		handle:  page((*web.Pages).ReplyCreate),
	},
	{
		pattern: "POST /replies/{id}", id: "replyUpdateForm", tag: "pages", auth: true, page: true,
		summary: "Change a canned reply at the version the page showed; someone else's merchant's is not found",
		form:    replyFormFields(true),
		ok:      []response{formDone},
		errors:  formRefused,
		handle:  page((*web.Pages).ReplyUpdate),
	},
	{
		pattern: "POST /replies/{id}/delete", id: "replyDeleteForm", tag: "pages", auth: true, page: true,
		summary: "Remove a canned reply; back to the list",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  formRefused,
		handle:  page((*web.Pages).ReplyDelete),
	},
	{
		pattern: "GET /reviews", id: "reviewsPage", tag: "pages", auth: true, page: true,
		summary: "Quality reviews: supervisors draw cases and see the pending and the scored; agents their own scored reviews",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done"}, {name: "n", kind: "integer", description: "how many were drawn"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).Reviews),
	},
	{
		pattern: "POST /reviews/sample", id: "sampleReviewsForm", tag: "pages", auth: true, page: true,
		summary: "Draw closed cases for review (supervisors) by rule and count; back to the list, or the list again with the problem at the field",
		form: []formField{csrfFormField, langField,
			{name: "rule", description: "random, low_csat, complaint or long_handling"},
			{name: "count", description: "how many cases, 1–100"},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).SampleReviewsForm),
	},
	{
		pattern: "GET /reviews/{id}", id: "reviewPage", tag: "pages", auth: true, page: true,
		summary: "A quality review with its scores; supervisors score it against the rubric",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done"}},
		ok:      []response{htmlOK, toLogin},
		errors:  pageNotFound,
		handle:  page((*web.Pages).ReviewPage),
	},
	{
		pattern: "POST /reviews/{id}", id: "scoreReviewForm", tag: "pages", auth: true, page: true,
		summary: "Score a review (supervisors): a score per criterion of the rubric and a comment; back to the review, or the review again with the problem at the criterion",
		form: []formField{csrfFormField, langField,
			{name: "score_<code>", description: "the score of the rubric's criterion <code>, 0 to its max"},
			{name: "comment", description: "what the reviewer says", optional: true},
			{name: "version", description: "the review version the page showed"},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).ScoreReviewForm),
	},
	{
		pattern: "GET /desk/rules", id: "deskRulesPage", tag: "pages", auth: true, page: true,
		summary: "The assignment rules: groups, their members and each one's open work, strategies, caps, auto-assignment; admins and supervisors edit them as JSON",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).DeskRulesPage),
	},
	{
		pattern: "POST /desk/rules", id: "deskRulesForm", tag: "pages", auth: true, page: true,
		summary: "Replace the assignment rules (admins and supervisors) with the JSON of the field rules, as PUT /api/v1/desk/rules takes it; the problem is said next to the field",
		form:    []formField{csrfFormField, langField, {name: "rules", description: "the rules as JSON, with the version shown"}},
		ok:      []response{formDone},
		errors:  formRefused,
		handle:  page((*web.Pages).SaveDeskRulesForm),
	},
}

// replyFormFields are a canned reply's form fields: the API's title and body per language.
func replyFormFields(update bool) []formField {
	f := []formField{csrfFormField, langField,
		{name: "title_zh", description: "title.zh: the Chinese title", optional: true},
		{name: "title_en", description: "title.en: the English title", optional: true},
		{name: "body_zh", description: "body.zh: the Chinese body, with variables such as {{customer_name}}", optional: true},
		{name: "body_en", description: "body.en: the English body", optional: true},
		{name: "shortcut", description: "typed after / on the case page", optional: true},
	}
	if update {
		return append(f, formField{name: "version", description: "the reply version the page showed"})
	}
	return append(f, idemFormField)
}
