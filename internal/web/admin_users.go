package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// Staff accounts (/admin/users) and API tokens (/admin/tokens): listed, made — the
// password or secret shown once, in the answer to the form, never again — disabled,
// unlocked, given a new password, revoked.

// UsersData is the staff accounts page's data.
type UsersData struct {
	Users  []app.UserView
	Roles  []app.Role
	Form   map[string]string // what was typed in a refused form
	Errors map[string]string
	// Message is a refused form's general message.
	Message string
	// Secret is a password just set: shown once.
	Secret *Secret
}

// Secret is a password or token secret shown once, and whose it is.
type Secret struct {
	Whose, Value string
}

// AdminUsers lists the staff accounts with the form that makes one.
func (pg *Pages) AdminUsers(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return pg.renderUsers(w, r, v, http.StatusOK, &UsersData{})
}

func (pg *Pages) renderUsers(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *UsersData) error {
	users, err := pg.app.Users(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	d.Users, d.Roles = users, staffRoles
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := pg.page(r, v, "admin.users.title")
	p.Data = d
	pg.render(w, r, status, "admin_users", p)
	return nil
}

// newPassword is a generated password: 26 characters of base32, 130 bits.
func newPassword() string { return rand.Text() }

// AdminUserCreate makes a staff account (username, display_name, role, merchant, scope:
// merchant codes separated by commas or spaces) with a generated password, which the
// answer shows once.
func (pg *Pages) AdminUserCreate(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := r.PostForm
	in := app.UserInput{Username: strings.TrimSpace(f.Get("username")), DisplayName: strings.TrimSpace(f.Get("display_name")),
		Role: app.Role(f.Get("role")), Merchant: strings.TrimSpace(f.Get("merchant")), Scope: codes(f.Get("scope")),
		Password: newPassword()}
	u, err := pg.app.CreateUser(r.Context(), v.Principal, in)
	if err == nil {
		return pg.renderUsers(w, r, v, http.StatusOK, &UsersData{Secret: &Secret{Whose: u.Username, Value: in.Password}})
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	return pg.renderUsers(w, r, v, problemStatus(err), &UsersData{Form: formValues(r), Errors: problem.Fields, Message: problem.Message})
}

// codes splits a list of merchant codes typed with commas, spaces or new lines.
func codes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// AdminUserChange changes an account (action: disable, enable, unlock, or password — a
// new generated password, shown once). A new password or a disabled account ends the
// account's sessions.
func (pg *Pages) AdminUserChange(w http.ResponseWriter, r *http.Request, v *Visit) error {
	username := r.PathValue("username")
	var ch app.UserChange
	yes, no := true, false
	password := ""
	switch action := r.PostForm.Get("action"); action {
	case "disable":
		ch.Disabled = &yes
	case "enable":
		ch.Disabled = &no
	case "unlock":
		ch.Unlock = true
	case "password":
		password = newPassword()
		ch.Password = &password
	default:
		return &app.Error{Code: app.CodeInvalid, Message: pg.cat.Text("admin.user.bad_action"),
			Fields: []app.FieldError{{Field: "action", Message: pg.cat.Text("admin.user.bad_action")}}}
	}
	u, err := pg.app.ChangeUser(r.Context(), v.Principal, username, ch)
	if err != nil {
		return err
	}
	if password != "" {
		return pg.renderUsers(w, r, v, http.StatusOK, &UsersData{Secret: &Secret{Whose: u.Username, Value: password}})
	}
	seeOther(w, "/admin/users?done=user_changed&lang="+string(v.Lang)+"#user-"+url.PathEscape(u.Username))
	return nil
}

// TokensData is the API tokens page's data.
type TokensData struct {
	Tokens  []TokenRow
	Roles   []app.Role
	Form    map[string]string
	Errors  map[string]string
	Message string
	Secret  *Secret
}

// TokenRow is a token with what it is now.
type TokenRow struct {
	app.TokenView
	State string // active, expired or revoked
}

// AdminTokens lists the API tokens with the form that makes one.
func (pg *Pages) AdminTokens(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return pg.renderTokens(w, r, v, http.StatusOK, &TokensData{})
}

func (pg *Pages) renderTokens(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *TokensData) error {
	tokens, err := pg.app.Tokens(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	now := pg.now()
	for _, t := range tokens {
		row := TokenRow{TokenView: t, State: "active"}
		switch {
		case t.RevokedAt != nil:
			row.State = "revoked"
		case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
			row.State = "expired"
		}
		d.Tokens = append(d.Tokens, row)
	}
	d.Roles = tokenRoles
	if d.Form == nil {
		d.Form = map[string]string{"role": string(app.RoleIntegration)}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := pg.page(r, v, "admin.tokens.title")
	p.Data = d
	pg.render(w, r, status, "admin_tokens", p)
	return nil
}

// maxTokenTTL is the longest a token may be made to live; longer, or none, is no expiry
// at all (ttl empty).
const maxTokenTTL = 3650 * 24 * time.Hour

// AdminTokenCreate makes an API token (name, role, merchant, customer, ttl: 30d, 12h or
// empty for none); the answer shows its secret once.
func (pg *Pages) AdminTokenCreate(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := r.PostForm
	spec := app.TokenSpec{Name: strings.TrimSpace(f.Get("name")), Role: app.Role(f.Get("role")),
		Merchant: strings.TrimSpace(f.Get("merchant")), Customer: strings.TrimSpace(f.Get("customer"))}
	problem := &FormProblem{Fields: map[string]string{}}
	ttl, ok := parseTTL(f.Get("ttl"))
	if !ok {
		problem.Fields["ttl"], _ = pg.cat.Message(v.Lang, "admin.token.bad_ttl")
		problem.Message, _ = pg.cat.Message(v.Lang, "form.check_fields")
		return pg.renderTokens(w, r, v, http.StatusUnprocessableEntity, &TokensData{Form: formValues(r), Errors: problem.Fields, Message: problem.Message})
	}
	spec.TTL = ttl
	secret, t, err := pg.app.IssueToken(r.Context(), v.Principal, spec)
	if err == nil {
		whose := t.Name
		if whose == "" {
			whose = t.ID
		}
		return pg.renderTokens(w, r, v, http.StatusOK, &TokensData{Secret: &Secret{Whose: whose, Value: secret}})
	}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	return pg.renderTokens(w, r, v, problemStatus(err), &TokensData{Form: formValues(r), Errors: problem.Fields, Message: problem.Message})
}

// parseTTL reads a token's lifetime: days (30d), or a duration (12h, 90m); empty is none.
func parseTTL(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, false
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, false
		}
	}
	return d, d >= time.Minute && d <= maxTokenTTL
}

// AdminTokenRevoke revokes a token at once.
func (pg *Pages) AdminTokenRevoke(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.RevokeToken(r.Context(), v.Principal, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, "/admin/tokens?done=token_revoked&lang="+string(v.Lang))
	return nil
}
