package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
)

// Handlers of orders, cases, their conversation and the policy dry run.

func upsertOrder(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.OrderInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.UpsertOrder(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func getOrder(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetOrder(r.Context(), p, r.PathValue("order_no"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func applyCase(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.ApplyInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.Apply(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func listCases(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, err := listInput(r.URL.Query())
	if err != nil {
		return err
	}
	v, err := s.app.ListCases(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getCase(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetCase(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func actOnCase(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.ActInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.Act(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func listMessages(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Messages(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func postMessage(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.MessageInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.PostMessage(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func evaluatePolicy(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.EvaluateInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.Evaluate(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
