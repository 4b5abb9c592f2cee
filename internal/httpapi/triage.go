package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
)

// TriageBody is the text smart triage reads.
type TriageBody struct {
	Text string `json:"text" jsonschema:"description=the free text of an application or a message in Chinese or English (at most 4000 characters)"`
	Lang string `json:"lang,omitempty" jsonschema:"description=zh or en: the language of the suggested articles (any when empty)"`
}

// triageRoutes are smart triage's suggestions (issue 16).
var triageRoutes = []route{
	{
		pattern: "POST /api/v1/triage", id: "triage", tag: "triage", auth: true,
		summary: "Smart triage: a suggested reason code, urgency (urgent | high | normal | low), sentiment (−1…1) and knowledge-base articles for a text — suggestions, never decisions",
		request: TriageBody{}, idempotencyNote: "Accepted and not needed: triage stores nothing, so repeating it is always safe.",
		ok:     []response{{status: http.StatusOK, description: "the suggestion", body: app.TriageView{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: postTriage,
	},
}

func postTriage(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[TriageBody](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.Triage(r.Context(), p, in.Text, in.Lang)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
