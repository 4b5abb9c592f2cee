package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// Canned replies (/replies, 话术): the platform's and the merchants', searched by q; a
// merchant's staff keep their merchant's, supervisors and admins the platform's; agents
// read them. Titles and bodies in both languages (title_zh, title_en, body_zh, body_en).

// RepliesData is the canned replies page's data.
type RepliesData struct {
	Q         string
	Rows      []ReplyRow
	Variables []string
	// Edit: the visitor writes replies; New is the create form.
	Edit bool
	New  ReplyForm
}

// ReplyRow is a reply of the list with its edit form (when the visitor may change it).
type ReplyRow struct {
	app.ReplyView
	Edit bool
	Form ReplyForm
}

// ReplyForm is what a reply's form shows: the values, the problems, its key.
type ReplyForm struct {
	Open           bool
	Key, Message   string
	Values, Errors map[string]string
}

func replyFormOf(rp app.ReplyView) ReplyForm {
	return ReplyForm{Key: newFormKey(), Errors: map[string]string{}, Values: map[string]string{
		"title_zh": rp.Title.ZH, "title_en": rp.Title.EN, "body_zh": rp.Body.ZH, "body_en": rp.Body.EN,
		"shortcut": rp.Shortcut, "version": strconv.Itoa(rp.Version)}}
}

// mayEditReply mirrors the application's rule for the forms it offers: a merchant's staff
// their merchant's, supervisors and admins the platform's and their merchants'.
func mayEditReply(v *Visit, rp app.ReplyView) bool {
	switch v.Principal.Role {
	case app.RoleMerchant:
		return rp.Scope == "merchant" && rp.Merchant == v.Principal.Merchant
	case app.RoleSupervisor, app.RoleAdmin:
		return true
	}
	return false
}

// Replies lists the canned replies the visitor may use, with their forms.
func (pg *Pages) Replies(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.repliesData(r, v)
	if err != nil {
		return err
	}
	pg.renderReplies(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) repliesData(r *http.Request, v *Visit) (*RepliesData, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, err := pg.app.ListReplies(r.Context(), v.Principal, "", "", q)
	if err != nil {
		return nil, err
	}
	role := v.Principal.Role
	d := &RepliesData{Q: q, Edit: role == app.RoleMerchant || role == app.RoleSupervisor || role == app.RoleAdmin,
		New: ReplyForm{Key: newFormKey(), Values: map[string]string{}, Errors: map[string]string{}}}
	for _, name := range list.Variables {
		d.Variables = append(d.Variables, "{{"+name+"}}")
	}
	for _, rp := range list.Replies {
		d.Rows = append(d.Rows, ReplyRow{ReplyView: rp, Edit: mayEditReply(v, rp), Form: replyFormOf(rp)})
	}
	return d, nil
}

func (pg *Pages) renderReplies(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *RepliesData) {
	p := pg.page(r, v, "desk.replies.title")
	p.Data = d
	pg.render(w, r, status, "desk_replies", p)
}

// replyInput reads a reply's form.
func replyInput(f url.Values) app.ReplyInput {
	in := app.ReplyInput{Title: app.Text{ZH: strings.TrimSpace(f.Get("title_zh")), EN: strings.TrimSpace(f.Get("title_en"))},
		Body: app.Text{ZH: f.Get("body_zh"), EN: f.Get("body_en")}, Shortcut: strings.TrimSpace(f.Get("shortcut"))}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	return in
}

// replyFields names the form's fields after the application's.
var replyFields = map[string]string{"title": "title_zh", "body": "body_zh", "body.zh": "body_zh", "body.en": "body_en", "shortcut": "shortcut"}

func (pg *Pages) replyProblem(l Lang, err error) (*ReplyForm, bool) {
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(l, err, problem) {
		return nil, false
	}
	f := &ReplyForm{Open: true, Key: newFormKey(), Message: problem.Message, Errors: map[string]string{}}
	for k, m := range problem.Fields {
		if name, ok := replyFields[k]; ok {
			f.Errors[name] = m
		} else {
			f.Message += " " + m
		}
	}
	return f, true
}

// ReplyCreate writes a canned reply: the merchant's for its staff, the platform's for the desk.
func (pg *Pages) ReplyCreate(w http.ResponseWriter, r *http.Request, v *Visit) error {
	_, err := pg.app.CreateReply(r.Context(), v.Principal, replyInput(r.PostForm))
	if err == nil {
		seeOther(w, "/replies?done=reply&lang="+string(v.Lang))
		return nil
	}
	f, ok := pg.replyProblem(v.Lang, err)
	if !ok {
		return err
	}
	d, derr := pg.repliesData(r, v)
	if derr != nil {
		return derr
	}
	f.Values = formValues(r)
	d.New = *f
	pg.renderReplies(w, r, v, problemStatus(err), d)
	return nil
}

// ReplyUpdate changes a canned reply at the version the page showed.
func (pg *Pages) ReplyUpdate(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	in := replyInput(r.PostForm)
	// The scope and the merchant do not change: they are the stored reply's.
	list, err := pg.app.ListReplies(r.Context(), v.Principal, "", "", "")
	if err != nil {
		return err
	}
	found := false
	for _, rp := range list.Replies {
		if rp.ID == id {
			in.Scope, in.Merchant, found = rp.Scope, rp.Merchant, true
		}
	}
	if !found {
		return &app.Error{Code: app.CodeNotFound, Message: pg.cat.Text("desk.replies.not_found")}
	}
	_, err = pg.app.UpdateReply(r.Context(), v.Principal, id, in)
	if err == nil {
		seeOther(w, "/replies?done=reply&lang="+string(v.Lang)+"#reply-"+url.PathEscape(id))
		return nil
	}
	f, ok := pg.replyProblem(v.Lang, err)
	if !ok {
		return err
	}
	d, derr := pg.repliesData(r, v)
	if derr != nil {
		return derr
	}
	f.Values = formValues(r)
	for i := range d.Rows {
		if d.Rows[i].ID == id {
			d.Rows[i].Form = *f
		}
	}
	pg.renderReplies(w, r, v, problemStatus(err), d)
	return nil
}

// ReplyDelete removes a canned reply.
func (pg *Pages) ReplyDelete(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.DeleteReply(r.Context(), v.Principal, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, "/replies?done=reply_deleted&lang="+string(v.Lang))
	return nil
}
