package web

import (
	"net/http"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// The self-service assistant's chat box on the customer portal (智能客服, issue 16): a
// form that posts the question and shows the conversation again, so it works without
// JavaScript; assets/assistant.js posts to the API instead and appends the bubbles.

// AssistantData is the chat page's data.
type AssistantData struct {
	Session  string
	Messages []app.AssistantMessageView
	Articles []app.AssistantArticle
	// HandoverTo is the case the conversation went to ("" for none or a complaint).
	HandoverTo string
	Handover   bool
	Text       string // what was typed, after a refused question
	Error      string
}

// Assistant shows the chat box and the session's conversation (?session=).
func (pg *Pages) Assistant(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.MayAsk(v.Principal); err != nil {
		return err
	}
	d := &AssistantData{Session: strings.TrimSpace(r.URL.Query().Get("session"))}
	if d.Session != "" {
		msgs, err := pg.app.AssistantMessages(r.Context(), v.Principal, d.Session)
		if err != nil {
			return err
		}
		d.Messages = msgs
	}
	pg.renderAssistant(w, r, v, http.StatusOK, d)
	return nil
}

// AssistantForm asks the question of the form (text, session) and shows the
// conversation with the answer; a refused question is shown again with the problem.
func (pg *Pages) AssistantForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.MayAsk(v.Principal); err != nil {
		return err
	}
	f := r.PostForm
	in := app.AssistantInput{Text: f.Get("text"), Session: strings.TrimSpace(f.Get("session")), Lang: string(v.Lang)}
	if in.Lang != "en" {
		in.Lang = "zh"
	}
	d := &AssistantData{Session: in.Session}
	reply, err := pg.app.Ask(r.Context(), v.Principal, in)
	status := http.StatusOK
	if err != nil {
		problem := &FormProblem{Fields: map[string]string{}}
		if !pg.formProblem(v.Lang, err, problem) || app.ErrorCode(err) != app.CodeInvalid {
			return err
		}
		d.Text, d.Error, status = in.Text, problem.Fields["text"], problemStatus(err)
		if d.Error == "" {
			d.Error = problem.Message
		}
	} else {
		d.Session, d.Articles, d.Handover = reply.Session, reply.Articles, reply.Handover
		if reply.HandoverTo != nil && len(reply.Cases) > 0 {
			d.HandoverTo = *reply.HandoverTo
		}
	}
	if d.Session != "" {
		msgs, err := pg.app.AssistantMessages(r.Context(), v.Principal, d.Session)
		if err != nil && app.ErrorCode(err) != app.CodeNotFound {
			return err
		}
		d.Messages = msgs
	}
	pg.renderAssistant(w, r, v, status, d)
	return nil
}

func (pg *Pages) renderAssistant(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *AssistantData) {
	p := pg.page(r, v, "assistant.title")
	p.Data = d
	pg.render(w, r, status, "assistant", p)
}
