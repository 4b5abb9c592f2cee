package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/web"
)

// moneyPageRoutes are the pages of the money half: the console's money page, and the form
// on a case page that pays a failed entry again. The case's entries themselves show on
// the case page (casePage).
var moneyPageRoutes = []route{
	{
		pattern: "GET /money", id: "moneyPage", tag: "pages", auth: true, page: true,
		summary: "The money page: balances (paid, pending, failed per kind) and ledger entries, newest first, each linked to its case; merchant staff see their merchant's, supervisors and admins every merchant they serve; agents and customers are refused (agents find failed payments on the cases)",
		query: []queryParam{langParam,
			{name: "merchant", kind: "string", description: "merchant code (supervisors and admins)"},
			{name: "kind", kind: "string", enum: ledgerKindNames, description: "entry kind"},
			{name: "state", kind: "string", enum: ledgerStateNames, description: "pending, succeeded or failed"},
			{name: "from", kind: "string", description: "a date (YYYY-MM-DD, the platform's time zone): entries made from its start"},
			{name: "to", kind: "string", description: "a date: entries made to its end"},
			{name: "cursor", kind: "string", description: "the next page"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Money),
	},
	{
		pattern: "POST /cases/{id}/ledger/{entry}/retry", id: "caseRetryPaymentForm", tag: "pages", auth: true, page: true,
		summary: "Agents and supervisors: pay a failed ledger entry of the case again by another method; back to the case page, or the page again with the problem at the field",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "method", description: "original, balance or bank_card"},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).CaseRetryPayment),
	},
}

// ledgerKindNames and ledgerStateNames are the values of the money page's filters.
func ledgerKindNames() []string {
	out := make([]string, len(ledger.Kinds))
	for i, k := range ledger.Kinds {
		out[i] = string(k)
	}
	return out
}

func ledgerStateNames() []string {
	out := make([]string, len(ledger.States))
	for i, s := range ledger.States {
		out[i] = string(s)
	}
	return out
}
