package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// Password resets for staff, without a session (/password/forgot, /password/reset): the
// form that asks for a link by username or email, whose answer is the same whether or not
// the account exists, and the form the emailed link opens, which sets a new password once.
// The HTTP layer guards these forms as it guards the login form (a double-submit token
// in FormToken, the login's rate limit); here they are read, handed to the application
// and rendered.

// PasswordForgotData is the page that asks for a reset link.
type PasswordForgotData struct {
	// FormToken is the form's double-submit token.
	FormToken string
	Login     string
	// Sent: the form was sent; the page says a link is on its way if the account exists.
	Sent    bool
	Errors  map[string]string
	Message string
}

// PasswordForgot writes the page that asks for a reset link.
func (pg *Pages) PasswordForgot(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *PasswordForgotData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := pg.page(r, v, "password.forgot.title")
	p.Data = d
	pg.render(w, r, status, "password_forgot", p)
}

// RequestPasswordReset reads the form's login (a username or an email address) and asks
// the application for a link; the answer is the same page whether or not the account
// exists: a 303 to /password/forgot?sent=1. An empty field is shown at the field (422).
func (pg *Pages) RequestPasswordReset(w http.ResponseWriter, r *http.Request, v *Visit, formToken string) error {
	login := strings.TrimSpace(r.PostForm.Get("login"))
	err := pg.app.RequestPasswordReset(r.Context(), login, v.Addr, v.Client)
	if err == nil {
		seeOther(w, "/password/forgot?sent=1&lang="+string(v.Lang))
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	pg.PasswordForgot(w, r, v, problemStatus(err), &PasswordForgotData{FormToken: formToken, Login: login,
		Errors: problem.Fields, Message: problem.Message})
	return nil
}

// PasswordResetData is the page that sets a new password with a reset link's token.
type PasswordResetData struct {
	// FormToken is the form's double-submit token; Token the link's.
	FormToken, Token string
	MinLength        int
	Errors           map[string]string
	Message          string
}

// PasswordReset writes the form that sets a new password.
func (pg *Pages) PasswordReset(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *PasswordResetData) {
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Token == "" && d.Errors["token"] == "" {
		d.Errors["token"] = pg.say(v.Lang, "password.reset.no_token")
	}
	d.MinLength = app.MinPasswordLength
	p := pg.page(r, v, "password.reset.title")
	if d.Token != "" {
		// The language switch keeps the link's token (a POST has it in the form only).
		p.Path = "/password/reset?token=" + url.QueryEscape(d.Token)
	}
	p.Data = d
	pg.render(w, r, status, "password_reset", p)
}

// ResetPassword sets the new password (password, typed again in password_confirm) with the
// link's token and goes to the login page, which says so. A token that is wrong, used or
// expired, a password too short, or two passwords that differ: the form again with the
// problem at its field (422); the link is not used up by a refused form.
func (pg *Pages) ResetPassword(w http.ResponseWriter, r *http.Request, v *Visit, formToken string) error {
	f := r.PostForm
	d := &PasswordResetData{FormToken: formToken, Token: strings.TrimSpace(f.Get("token")), Errors: map[string]string{}}
	password := f.Get("password")
	switch {
	case d.Token == "":
		d.Errors["token"] = pg.say(v.Lang, "password.reset.no_token")
	case password != f.Get("password_confirm"):
		d.Errors["password_confirm"] = pg.say(v.Lang, "password.reset.mismatch")
	default:
		err := pg.app.ResetPassword(r.Context(), d.Token, password, v.Addr, v.Client)
		if err == nil {
			seeOther(w, "/login?done=password_changed&lang="+string(v.Lang))
			return nil
		}
		problem := &FormProblem{Fields: d.Errors}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
		d.Message = problem.Message
	}
	if d.Message == "" {
		d.Message = pg.say(v.Lang, "form.check_fields")
	}
	pg.PasswordReset(w, r, v, http.StatusUnprocessableEntity, d)
	return nil
}
