package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

// The money of a case on its page (款项): each ledger entry with its kind, amount and
// method, and where it stands in words the customer understands — staff see why a payment
// failed, and agents and supervisors may pay a failed one again by another method.

// CaseMoney is the money section of the case page.
type CaseMoney struct {
	Entries []MoneyEntry
	// Refunded and Pending are what reached the customer and what is on its way.
	Refunded, Pending int64
	Currency          money.Currency
	// Message is why a retry was refused when its form is gone (paid again meanwhile).
	Message string
}

// MoneyEntry is a ledger entry as a page shows it.
type MoneyEntry struct {
	app.EntryView
	// Status is where the entry stands, in words; Tone its badge (ok, warn, bad).
	Status, Tone string
	// Retrying: still pending after failed calls, retried on the schedule.
	Retrying bool
	// Replaced: this failed entry was paid again by a later entry.
	Replaced bool
	// Retry is the form that pays a failed entry again (agents and supervisors).
	Retry *RetryForm
}

// RetryForm pays a failed entry again: the methods offered, the one chosen, and what was
// wrong after a refused form.
type RetryForm struct {
	Methods []ledger.Method
	Method  string
	Error   string // the method field's message
	Message string // the general message (the entry changed meanwhile)
	Key     string // the form's idempotency key
}

// mayRetry reports whether the viewer's role is one that pays failed entries again; the
// application decides each time the form is sent.
func mayRetry(role app.Role) bool { return role == app.RoleAgent || role == app.RoleSupervisor }

// caseMoney is the money section of a case for the visitor (nil when the case moved no
// money).
func (pg *Pages) caseMoney(r *http.Request, v *Visit, caseID string) (*CaseMoney, error) {
	led, err := pg.app.CaseLedger(r.Context(), v.Principal, caseID)
	if err != nil {
		return nil, err
	}
	if len(led.Entries) == 0 {
		return nil, nil
	}
	m := &CaseMoney{Refunded: led.Refunded, Pending: led.Pending, Currency: money.Currency(led.Currency)}
	replaced := map[string]bool{}
	for _, e := range led.Entries {
		if e.Replaces != "" {
			replaced[e.Replaces] = true
		}
	}
	for _, e := range led.Entries {
		me := pg.moneyEntry(v.Lang, e)
		me.Replaced = replaced[e.ID]
		if e.State == ledger.Failed && !me.Replaced && mayRetry(v.Principal.Role) {
			me.Retry = &RetryForm{Methods: ledger.Methods, Method: string(otherMethod(e.Method)), Key: newFormKey()}
		}
		m.Entries = append(m.Entries, me)
	}
	return m, nil
}

// otherMethod is the method a retry form proposes: another than the one that failed.
func otherMethod(failed ledger.Method) ledger.Method {
	if failed == ledger.Balance {
		return ledger.BankCard
	}
	return ledger.Balance
}

// moneyEntry puts an entry's state in words: money to the customer is a refund (退款),
// other money a payment (付款).
func (pg *Pages) moneyEntry(l Lang, e app.EntryView) MoneyEntry {
	me := MoneyEntry{EntryView: e}
	prefix := "money.state."
	if e.Payee != ledger.Customer {
		prefix = "money.state.payment_"
	}
	switch {
	case e.State == ledger.Succeeded && e.SettledAt != nil:
		me.Status, me.Tone = pg.say(l, "money.state.paid", FormatDate(l, *e.SettledAt, pg.loc)), "ok"
	case e.State == ledger.Succeeded:
		me.Status, me.Tone = pg.say(l, "money.state.done"), "ok"
	case e.State == ledger.Failed:
		me.Status, me.Tone = pg.say(l, prefix+"failed"), "bad"
	case e.Attempts > 0 && e.LastError != "":
		me.Status, me.Tone, me.Retrying = pg.say(l, prefix+"retrying"), "warn", true
	default:
		me.Status, me.Tone = pg.say(l, prefix+"pending"), "warn"
	}
	return me
}

// CaseRetryPayment pays a failed entry of the case again by the form's method (original,
// balance or bank_card): back to the case page with a flash, or the page again with the
// problem next to the field. An entry that is not the case's is not found.
func (pg *Pages) CaseRetryPayment(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id, entryID := r.PathValue("id"), r.PathValue("entry")
	led, err := pg.app.CaseLedger(r.Context(), v.Principal, id)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(led.Entries, func(e app.EntryView) bool { return e.ID == entryID }) {
		return &app.Error{Code: app.CodeNotFound, Message: pg.cat.Text("money.no_entry")}
	}
	method := strings.TrimSpace(r.PostForm.Get("method"))
	_, err = pg.app.RetryPayment(r.Context(), v.Principal, entryID, app.RetryInput{Method: ledger.Method(method)}, formIdempotency(r, v))
	if err == nil {
		seeOther(w, "/cases/"+id+"?done=retry&lang="+string(v.Lang)+"#money")
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d, derr := pg.caseData(r, v)
	if derr != nil {
		return derr
	}
	shown := false
	if d.Money != nil {
		for i := range d.Money.Entries {
			if f := d.Money.Entries[i].Retry; f != nil && d.Money.Entries[i].ID == entryID {
				f.Method, f.Error, f.Message, shown = method, problem.Fields["method"], problem.Message, true
			}
		}
	}
	switch { // the entry was paid again meanwhile: its form is gone, the section says why
	case !shown && d.Money != nil:
		d.Money.Message = problem.Message
	case !shown:
		d.Problem = problem
	}
	pg.renderCase(w, r, v, problemStatus(err), d)
	return nil
}
