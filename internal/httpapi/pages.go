package httpapi

import (
	"crypto/rand"
	"errors"
	"mime"
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// The pages (package web renders them): here they are routed and guarded like the API —
// the session cookie (or the login page), the CSRF token of every form, the language
// (remembered in the lang cookie), the limits on a form's size — and the login, logout and
// login-link pages that make and end sessions live here, next to the cookies.

// maxFormBody caps the forms of pages without files.
const maxFormBody = 64 << 10

// maxUploadForm caps a form with evidence: nine files of which two may be videos.
const maxUploadForm = 220 << 20

// pageHandler is a page of package web.
type pageHandler func(pg *web.Pages, w http.ResponseWriter, r *http.Request, v *web.Visit) error

// page adapts a web page to the route table: without a session it goes to the login page;
// a posted form is read (multipart when it carries files) and must carry the session's
// CSRF token, or it is refused (403) before anything is done.
func page(h pageHandler) handlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
		p, csrf, ok, err := s.pageSession(w, r)
		if !ok {
			return err
		}
		if r.Method == http.MethodPost {
			if err := readPageForm(w, r); err != nil {
				return err
			}
			if !sameToken(r.PostForm.Get(csrfField), csrf) {
				return errFormCSRF
			}
		}
		return h(s.web, w, r, s.visit(w, r, p, csrf))
	}
}

// readPageForm reads a posted form: multipart (files go to temporary files past 8 MB) or
// urlencoded, within its size limit.
func readPageForm(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadForm)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return &app.Error{Code: app.CodeTooLarge, Message: app.Text{
					ZH: "表单内容过大(文件合计不能超过 220 MB)", EN: "the form is too large (at most 220 MB of files in all)"}}
			}
			return errMalformed("the form cannot be read", "无法读取表单内容")
		}
		return nil
	}
	return readForm(w, r)
}

// visit is what a page knows of its request. A ?lang= in the address is remembered in the
// lang cookie for the pages that follow.
func (s *Server) visit(w http.ResponseWriter, r *http.Request, p app.Principal, csrf string) *web.Visit {
	ci := clientFrom(r.Context())
	lang := web.RequestLang(r)
	if l, ok := web.ParseLang(r.URL.Query().Get("lang")); ok {
		c := s.cookie(r, web.LangCookie, l.Tag(), "/", 365*24*3600)
		c.HttpOnly = false // not a secret; a page's script may read it
		http.SetCookie(w, c)
	}
	return &web.Visit{Principal: p, CSRF: csrf, Lang: lang, Addr: ci.addr, Client: ci.client, RequestID: requestID(r.Context())}
}

// renderError writes a problem as an error page, in the page's language.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p Problem) {
	v := &web.Visit{Lang: web.RequestLang(r), RequestID: p.RequestID}
	w.Header().Set("Content-Security-Policy", cspHTML)
	s.web.Error(w, r, v, p.Status, app.Text{ZH: p.DetailZH, EN: p.Detail}, p.RequestID)
}

// seeOther redirects after a form, or to the login; the answer has no body.
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
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
	w.Header().Set("Content-Security-Policy", cspHTML)
	s.web.Login(w, r, s.visit(w, r, app.Principal{}, ""), status, web.LoginData{FormToken: token, Username: username, Message: msg})
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
	lang := web.RequestLang(r)
	username := cleanText(r.PostForm.Get("username"), maxUsernameLen)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !sameToken(r.PostForm.Get(csrfField), c.Value) {
		s.loginForm(w, r, http.StatusForbidden, username, lang.Pick(s.web.Catalogue().Text("login.expired")))
		return nil
	}
	ci := clientFrom(r.Context())
	sess, err := s.app.Login(r.Context(), username, r.PostForm.Get("password"), ci.addr, ci.client)
	var ae *app.Error
	if errors.As(err, &ae) && ae.Code == app.CodeUnauthorized {
		s.loginForm(w, r, http.StatusUnauthorized, username, lang.Pick(ae.Message))
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

// asset serves the pages' embedded files: the style sheet, the script, the icon.
func asset(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	if !s.web.Asset(w, r, r.PathValue("name")) {
		return &app.Error{Code: app.CodeNotFound, Message: app.Text{EN: "there is no such asset", ZH: "没有这个文件"}}
	}
	return nil
}

// favicon is the pages' icon where browsers look for it.
func favicon(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	if !s.web.Asset(w, r, "favicon.svg") {
		return &app.Error{Code: app.CodeNotFound, Message: app.Text{EN: "there is no icon", ZH: "没有图标"}}
	}
	return nil
}
