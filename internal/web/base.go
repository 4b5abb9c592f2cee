package web

import (
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
)

// ErrorData is the error page's data.
type ErrorData struct {
	Message   string
	RequestID string
}

// Error writes an error page: the status and a message in the page's language.
func (pg *Pages) Error(w http.ResponseWriter, r *http.Request, v *Visit, status int, msg aftersale.Text, requestID string) {
	p := pg.page(r, v, "error.title")
	p.Path = "" // the language switch stays on this address without repeating it
	p.Status = status
	p.Data = ErrorData{Message: v.Lang.Pick(msg), RequestID: requestID}
	pg.render(w, r, status, "error", p)
}

// LoginData is the login form's data.
type LoginData struct {
	FormToken, Username, Message string
}

// Login writes the staff login form with its double-submit token.
func (pg *Pages) Login(w http.ResponseWriter, r *http.Request, v *Visit, status int, d LoginData) {
	p := pg.page(r, v, "login.title")
	p.Data = d
	pg.render(w, r, status, "login", p)
}

// Home is where a session lands: a customer's orders and cases; staff go to their work
// (admins to the admin pages).
func (pg *Pages) Home(w http.ResponseWriter, r *http.Request, v *Visit) error {
	switch v.Principal.Role {
	case app.RoleCustomer:
		return pg.customerHome(w, r, v)
	case app.RoleAdmin:
		seeOther(w, "/admin?lang="+string(v.Lang))
	default:
		seeOther(w, "/queue?lang="+string(v.Lang))
	}
	return nil
}

// Asset serves an embedded file: the style sheet, the script, the icon.
func (pg *Pages) Asset(w http.ResponseWriter, r *http.Request, name string) bool {
	body, err := fs.ReadFile(files, "assets/"+path.Base(name))
	if err != nil || name != path.Base(name) {
		return false
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return true
}
