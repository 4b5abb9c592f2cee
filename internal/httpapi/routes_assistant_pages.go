package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// assistantPageRoutes are the assistant's chat box on the customer portal (智能客服):
// customers only; the form works without JavaScript.
var assistantPageRoutes = []route{
	{
		pattern: "GET /assistant", id: "assistantPage", tag: "pages", auth: true, page: true,
		summary: "The self-service assistant's chat box (智能客服) with the session's conversation; customers only",
		query:   []queryParam{langParam, {name: "session", kind: "string", description: "the conversation to show"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).Assistant),
	},
	{
		pattern: "POST /assistant", id: "assistantForm", tag: "pages", auth: true, page: true,
		summary: "Ask the assistant: the conversation again with its answer, or the question with the problem at the field",
		form: []formField{csrfFormField, langField,
			{name: "text", description: "the question, at most 1000 characters"},
			{name: "session", description: "the conversation carried on", optional: true},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).AssistantForm),
	},
}
