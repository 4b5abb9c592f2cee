package httpapi

import (
	"bytes"
	"crypto/rand"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// The pages: a login form for staff, the landing of customers' login links, a minimal
// home page and logout. Server-rendered with html/template, every string from the
// message table, the style sheet embedded; no JavaScript. They call the same app
// commands as everything else (app.Login, app.OpenLoginLink, app.SessionPrincipal,
// app.Logout).

//go:embed web
var webFS embed.FS

// pageTemplates are the pages, each the layout around its content.
var pageTemplates = func() map[string]*template.Template {
	funcs := template.FuncMap{"t": message, "join": strings.Join}
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "home", "error"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(webFS, "web/layout.html", "web/"+name+".html"))
	}
	return out
}()

// pageData is what a page template reads.
type pageData struct {
	Lang   string
	Title  string // message key
	Switch string // link to the page in the other language; "" for none
	CSRF   string // the session's CSRF token (home)
	// Login form.
	FormToken string
	Username  string
	Message   string
	// Home.
	Who app.Principal
	// Error page.
	Status    int
	RequestID string
}

// maxFormBody caps the forms of pages (a username and a password).
const maxFormBody = 64 << 10

// renderPage writes a page as the complete answer: rendered first, so that a template
// error is a clean 500.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pageTemplates[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "render page", attrRequestID(r), slog.String("page", name), attrError(err))
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString("<!doctype html><title>500</title><p>Internal error · 服务器内部错误</p>")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", cspHTML)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError writes a problem as an error page, in the page's language.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p Problem) {
	lang := pageLang(r)
	msg := p.Detail
	if lang == langZH && p.DetailZH != "" {
		msg = p.DetailZH
	}
	s.renderPage(w, r, p.Status, "error", pageData{Lang: lang, Title: "error.title", Message: msg, Status: p.Status, RequestID: p.RequestID})
}

// seeOther redirects after a form, or to the login; the answer has no body.
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// switchLink is the page's address in the other language.
func switchLink(r *http.Request, lang string) string {
	return r.URL.Path + "?lang=" + otherLang(lang)
}

// pageSession is the principal and CSRF token of the request's session cookie. Without a
// session — none, ended, expired — it clears the cookie and redirects to the login page,
// and ok is false.
func (s *Server) pageSession(w http.ResponseWriter, r *http.Request) (p app.Principal, csrf string, ok bool, err error) {
	c, cerr := r.Cookie(sessionCookie)
	if cerr != nil || c.Value == "" {
		seeOther(w, "/login")
		return p, "", false, nil
	}
	ci := clientFrom(r.Context())
	p, csrf, err = s.app.SessionPrincipal(r.Context(), c.Value, ci.addr, ci.client)
	if app.ErrorCode(err) == app.CodeUnauthorized {
		s.clearSessionCookie(w, r)
		seeOther(w, "/login")
		return p, "", false, nil
	}
	return p, csrf, err == nil, err
}

// homePage says who you are, links the API document and offers the logout.
func homePage(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	p, csrf, ok, err := s.pageSession(w, r)
	if !ok {
		return err
	}
	lang := pageLang(r)
	s.renderPage(w, r, http.StatusOK, "home", pageData{Lang: lang, Title: "home.title", Switch: switchLink(r, lang), CSRF: csrf, Who: p})
	return nil
}

// loginPage shows the login form with a fresh double-submit token, or goes home when the
// browser has a session already.
func loginPage(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		ci := clientFrom(r.Context())
		if _, _, err := s.app.SessionPrincipal(r.Context(), c.Value, ci.addr, ci.client); err == nil {
			seeOther(w, "/")
			return nil
		}
	}
	s.loginForm(w, r, http.StatusOK, "", "")
	return nil
}

// loginForm renders the login form with a new double-submit token in the form and in the
// as_login_csrf cookie.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, username, msg string) {
	token := rand.Text()
	c := s.cookie(r, loginCSRFCookie, token, "/login", 3600)
	c.SameSite = http.SameSiteStrictMode
	http.SetCookie(w, c)
	lang := pageLang(r)
	s.renderPage(w, r, status, "login", pageData{Lang: lang, Title: "login.title", Switch: switchLink(r, lang),
		FormToken: token, Username: username, Message: msg})
}

// readForm reads a page's urlencoded form, at most maxFormBody bytes.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return errMalformed("the form cannot be read", "无法读取表单内容")
	}
	return nil
}

// maxUsernameLen bounds what a login passes on (usernames have at most 64 characters).
const maxUsernameLen = 100

// login checks the form's double-submit token, then the password (app.Login: lockout,
// audit); it sets the session cookie and goes home, or shows the form again with what
// went wrong. Neither the username nor the password is logged.
func login(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	lang := pageLang(r)
	username := cleanText(r.PostForm.Get("username"), maxUsernameLen)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !sameToken(r.PostForm.Get(csrfField), c.Value) {
		s.loginForm(w, r, http.StatusForbidden, username, pick(lang, messages["login.expired"]))
		return nil
	}
	ci := clientFrom(r.Context())
	sess, err := s.app.Login(r.Context(), username, r.PostForm.Get("password"), ci.addr, ci.client)
	var ae *app.Error
	if errors.As(err, &ae) && ae.Code == app.CodeUnauthorized {
		s.loginForm(w, r, http.StatusUnauthorized, username, pick(lang, ae.Message))
		return nil
	} else if err != nil {
		return err
	}
	s.startSession(w, r, sess)
	http.SetCookie(w, s.cookie(r, loginCSRFCookie, "", "/login", -1))
	seeOther(w, "/")
	return nil
}

// startSession sets the cookie of a new session, ending the browser's previous one (a
// login never keeps a session id from before it).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, sess *app.Session) {
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		ci := clientFrom(r.Context())
		if err := s.app.Logout(r.Context(), old.Value, ci.addr, ci.client); err != nil {
			s.log.LogAttrs(r.Context(), levelWarn, "ending the previous session", attrRequestID(r), attrError(err))
		}
	}
	s.setSessionCookie(w, r, sess)
}

// logout ends the session in the store (the cookie is worthless from now on, even if
// kept), clears the cookie and goes to the login page. It needs the session's CSRF
// token, so that another site cannot log people out.
func logout(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	if err := readForm(w, r); err != nil {
		return err
	}
	// Without the cookie there is nothing to end, and nothing to clear: a form posted from
	// another site comes without it (SameSite=Lax), and clearing it in the answer would
	// log the browser out all the same.
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		ci := clientFrom(r.Context())
		_, csrf, err := s.app.SessionPrincipal(r.Context(), c.Value, ci.addr, ci.client)
		switch {
		case err == nil:
			token := r.PostForm.Get(csrfField)
			if token == "" {
				token = r.Header.Get(csrfHeader)
			}
			if !sameToken(token, csrf) {
				return errFormCSRF
			}
			if err := s.app.Logout(r.Context(), c.Value, ci.addr, ci.client); err != nil {
				return err
			}
		case app.ErrorCode(err) != app.CodeUnauthorized:
			return err
		}
		s.clearSessionCookie(w, r)
	}
	seeOther(w, "/login")
	return nil
}

// loginLink opens a customer's session from a login link the shop system signed
// (app.OpenLoginLink checks the signature, the age and the shop) and goes home.
func loginLink(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	ci := clientFrom(r.Context())
	sess, err := s.app.OpenLoginLink(r.Context(), r.URL.RawQuery, ci.addr, ci.client)
	if err != nil {
		return err
	}
	s.startSession(w, r, sess)
	seeOther(w, "/")
	return nil
}

// asset serves the pages' embedded static files.
func asset(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	name := r.PathValue("name")
	body, err := fs.ReadFile(webFS, "web/"+name)
	if err != nil || path.Ext(name) != ".css" {
		return &app.Error{Code: app.CodeNotFound, Message: app.Text{EN: "there is no such asset", ZH: "没有这个文件"}}
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(".css"))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
