package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// Handlers of the operations routes: the admin overdue view, this document, health and
// readiness.

func adminOverdue(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	grace := time.Minute
	if g := r.URL.Query().Get("grace"); g != "" {
		d, err := time.ParseDuration(g)
		if err != nil || d < 0 {
			return errInvalidField("grace", "must be a duration such as 1m or 30s", "应为时长,如 1m 或 30s")
		}
		grace = d
	}
	limit := 0
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return errInvalidField("limit", "must be between 1 and 500", "应为 1–500")
		}
		limit = n
	}
	v, err := s.app.Overdue(r.Context(), p, grace, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getOpenAPI(s *Server, w http.ResponseWriter, _ *http.Request, _ app.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.apiDoc)
	return nil
}

func getPagesOpenAPI(s *Server, w http.ResponseWriter, _ *http.Request, _ app.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.pagesDoc)
	return nil
}

func healthz(s *Server, w http.ResponseWriter, _ *http.Request, _ app.Principal) error {
	return writeJSON(w, http.StatusOK, Health{Status: "ok", Version: s.version})
}

// readyTimeout bounds the readiness check, so that a hung database answers 503 in time
// for the orchestrator.
const readyTimeout = 3 * time.Second

func readyz(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	ctx, cancel := contextWithTimeout(r, readyTimeout)
	defer cancel()
	if err := s.app.Ready(ctx); err != nil {
		// The cause is for the operator's log, not for whoever can reach /readyz.
		s.log.LogAttrs(r.Context(), levelWarn, "not ready", attrRequestID(r), attrError(err))
		writeProblem(w, Problem{Type: ProblemTypeBase + codeUnavailable, Title: "Service unavailable",
			Status: http.StatusServiceUnavailable, Code: codeUnavailable, RequestID: requestID(r.Context()),
			Detail:   "the database does not answer or its migrations are not applied",
			DetailZH: "数据库无法连接或数据库迁移尚未完成"})
		return nil
	}
	return writeJSON(w, http.StatusOK, Health{Status: "ready", Version: s.version})
}
