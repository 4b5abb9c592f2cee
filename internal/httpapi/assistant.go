package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
)

// assistantRoutes are the self-service assistant's (智能客服).
var assistantRoutes = []route{
	{
		pattern: "POST /api/v1/assistant/messages", id: "askAssistant", tag: "assistant", auth: true,
		summary: "Customers: ask the self-service assistant — where is my refund, my parcel, what must I do next and by when, from the customer's own cases; other questions from the knowledge base; \"转人工\" (or two answers it could not give) hands the conversation to a person on the case or as a complaint",
		request: app.AssistantInput{}, idempotencyNote: "each call is another question of the session",
		ok:     []response{{status: http.StatusOK, description: "the answer", body: app.AssistantReply{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound),
		handle: askAssistant,
	},
}

func askAssistant(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.AssistantInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.Ask(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
