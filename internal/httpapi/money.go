package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/gateway"
	"github.com/aftersales/aftersales/internal/ledger"
)

// callbackLimit bounds a payment callback's body.
const callbackLimit = 64 << 10

// caseLedger is GET /api/v1/cases/{id}/ledger.
func caseLedger(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.CaseLedger(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// listLedger is GET /api/v1/ledger.
func listLedger(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.LedgerInput{Merchant: q.Get("merchant"), Kind: q.Get("kind"), State: q.Get("state"), Cursor: q.Get("cursor")}
	var err error
	if in.From, err = queryTime(q, "from"); err != nil {
		return err
	}
	if in.To, err = queryTime(q, "to"); err != nil {
		return err
	}
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.Ledger(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// retryPayment is POST /api/v1/ledger/{id}/retry.
func retryPayment(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.RetryInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.RetryPayment(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

// paymentCallback is POST /api/v1/payments/callback: the gateway's word on a payment.
// The signature over the raw body is the gateway's credential; an unsigned or wrongly
// signed callback is refused (403: the signature is the credential, there is no login to
// offer) and logged (someone is forging, or the secrets differ).
func paymentCallback(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, callbackLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &app.Error{Code: app.CodeTooLarge, Message: app.Text{ZH: "回调内容过大", EN: "the callback is too large"}}
		}
		return &app.Error{Code: app.CodeMalformed, Message: app.Text{ZH: "无法读取回调内容", EN: "the callback's body could not be read"}, Err: err}
	}
	sig := r.Header.Get(gateway.SignatureHeader)
	if len(s.paymentSecret) == 0 {
		return &app.Error{Code: app.CodeForbidden, Message: app.Text{ZH: "未配置支付回调密钥", EN: "payment callbacks are not configured"}}
	}
	if err := gateway.Verify(s.paymentSecret, body, sig); err != nil {
		s.log.Warn("payment callback refused: bad signature", "err", err, "addr", r.RemoteAddr, "bytes", len(body))
		return &app.Error{Code: app.CodeForbidden, Message: app.Text{ZH: "支付回调签名无效", EN: "the payment callback's signature is not valid: " + err.Error()}, Err: err}
	}
	pay, err := gateway.ParseCallback(body)
	if err != nil {
		return errInvalidField("body", "the callback is not valid: "+err.Error(), "支付回调内容无效")
	}
	if err := s.app.PaymentCallback(r.Context(), pay); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, callbackAck{Received: true, Key: pay.Key})
}

// callbackAck is the answer to a callback the platform took.
type callbackAck struct {
	Received bool   `json:"received"`
	Key      string `json:"idempotency_key"`
}

// moneyRoutes are the ledger's and the gateway's.
var moneyRoutes = []route{
	{
		pattern: "GET /api/v1/cases/{id}/ledger", id: "caseLedger", tag: "money", auth: true,
		summary: "A case's money: its ledger entries, what was paid back and what is pending",
		ok:      []response{{status: http.StatusOK, description: "the case's entries, oldest first", body: app.CaseLedger{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  caseLedger,
	},
	{
		pattern: "GET /api/v1/ledger", id: "listLedger", tag: "money", auth: true,
		summary: "Ledger entries, newest first, with totals per merchant (merchant staff: their own; supervisors and admins)",
		query: []queryParam{
			{name: "merchant", kind: "string", description: "merchant code"},
			{name: "kind", kind: "string", enum: ledgerKinds, description: "entry kind"},
			{name: "state", kind: "string", enum: ledgerStates, description: "pending, succeeded or failed"},
			{name: "from", kind: "date-time", description: "made at or after (RFC 3339)"},
			{name: "to", kind: "date-time", description: "made before (RFC 3339)"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of entries and the totals of all selected", body: app.LedgerList{}}},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: listLedger,
	},
	{
		pattern: "POST /api/v1/ledger/{id}/retry", id: "retryPayment", tag: "money", auth: true,
		summary: "Agents and supervisors: pay a failed entry again, by another method",
		request: app.RetryInput{},
		ok:      []response{{status: http.StatusCreated, description: "the new pending entry that replaces the failed one", body: app.EntryView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  retryPayment,
	},
	{
		pattern: "POST /api/v1/payments/callback", id: "paymentCallback", tag: "money",
		summary:         "The payment gateway's callback: a payment settled (signed: X-Aftersales-Signature: sha256=<hex HMAC-SHA256 of the body>)",
		request:         ledger.Payment{},
		idempotencyNote: "Not needed: a callback for an entry already settled changes nothing, so the gateway may send it again.",
		ok:              []response{{status: http.StatusOK, description: "the callback was taken (or was a duplicate)", body: callbackAck{}}},
		errors:          []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		handle:          paymentCallback,
	},
}

func ledgerKinds() []string {
	out := make([]string, len(ledger.Kinds))
	for i, k := range ledger.Kinds {
		out[i] = string(k)
	}
	return out
}

func ledgerStates() []string {
	out := make([]string, len(ledger.States))
	for i, st := range ledger.States {
		out[i] = string(st)
	}
	return out
}
