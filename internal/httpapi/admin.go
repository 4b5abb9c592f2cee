package httpapi

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// The admin API: staff accounts, API tokens and the audit log. The app authorizes
// (admins only); these handlers translate.

// UserList is the staff accounts.
type UserList struct {
	Items []app.UserView `json:"items"`
}

// TokenList is the API tokens, newest first (never their secrets).
type TokenList struct {
	Items []app.TokenView `json:"items"`
}

func adminUsers(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Users(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, UserList{Items: v})
}

func adminCreateUser(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.UserInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateUser(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func adminChangeUser(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.UserChange](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.ChangeUser(r.Context(), p, r.PathValue("username"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func adminTokens(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Tokens(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, TokenList{Items: v})
}

func adminRevokeToken(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	if err := s.app.RevokeToken(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Audit export bounds: pages of auditExportPage entries, at most maxAuditExport rows in
// all (narrow from/to for more).
const (
	auditExportPage = 1000
	maxAuditExport  = 100_000
)

func adminAudit(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in, err := auditInput(q)
	if err != nil {
		return err
	}
	switch q.Get("format") {
	case "", "json":
		v, err := s.app.Audit(r.Context(), p, in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	case "csv":
		return s.auditCSV(w, r, p, in)
	}
	return errInvalidField("format", "format must be json or csv", "format 应为 json 或 csv")
}

func auditInput(q url.Values) (app.AuditInput, error) {
	in := app.AuditInput{Actor: q.Get("actor"), Action: q.Get("action"), Resource: q.Get("resource"),
		ResourceID: q.Get("resource_id"), Cursor: q.Get("cursor")}
	var err error
	if in.From, err = queryTime(q, "from"); err != nil {
		return in, err
	}
	if in.To, err = queryTime(q, "to"); err != nil {
		return in, err
	}
	if v := q.Get("limit"); v != "" {
		if in.Limit, err = strconv.Atoi(v); err != nil || in.Limit < 1 || in.Limit > 1000 {
			return in, errInvalidField("limit", "limit must be a whole number between 1 and 1000", "limit 应为 1–1000 的整数")
		}
	}
	return in, nil
}

var auditCSVHeader = []string{"id", "at", "actor_role", "actor_id", "action", "resource", "resource_id", "outcome", "addr", "client", "detail"}

// auditCSV streams every entry that matches, newest first, page by page: the first page
// is read before the answer begins, so that a refusal is still a problem; a later failure
// cuts the connection, so that a partial file never looks complete.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, p app.Principal, in app.AuditInput) error {
	in.Limit = auditExportPage
	page, err := s.app.Audit(r.Context(), p, in)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="audit-`+time.Now().UTC().Format("20060102-150405")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(auditCSVHeader)
	rows := 0
	for {
		for _, e := range page.Items {
			if rows == maxAuditExport {
				break
			}
			_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), cell(e.ActorRole),
				cell(e.ActorID), cell(e.Action), cell(e.Resource), cell(e.ResourceID), cell(e.Outcome), cell(e.Addr),
				cell(e.Client), cell(string(e.Detail))})
			rows++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			s.log.LogAttrs(r.Context(), levelWarn, "audit export broke off", attrRequestID(r), attrError(err))
			return nil
		}
		if page.NextCursor == "" || rows >= maxAuditExport {
			return nil
		}
		in.Cursor = page.NextCursor
		if page, err = s.app.Audit(r.Context(), p, in); err != nil {
			s.log.LogAttrs(r.Context(), levelWarn, "audit export failed", attrRequestID(r), attrError(err))
			panic(http.ErrAbortHandler)
		}
	}
}

// cell defuses a value that a spreadsheet would take for a formula (CSV injection): the
// audit log holds what clients sent, such as a User-Agent or a username tried.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
