package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// The money page (/money) of the merchant console: the balances — what was paid, what is
// pending and what failed, per kind — and the entries, newest first, page by page, each
// linking to its case. Merchant staff see their merchant's; supervisors and admins every
// merchant they serve, with a merchant filter. Agents find failed payments on the cases
// (the application does not give them the ledger): the page refuses them.

// MoneyData is the money page's data.
type MoneyData struct {
	Filter MoneyFilter
	// Merchants: the viewer works across merchants (a merchant column and filter).
	Merchants bool
	Balances  []Balance
	Entries   []MoneyEntry
	Next      string // the address of the next page
	Kinds     []ledger.Kind
	States    []ledger.State
	Errors    map[string]string
	Message   string
}

// MoneyFilter is the money page's query, as its form names it: from and to are dates
// (YYYY-MM-DD, in the platform's time zone), to included.
type MoneyFilter struct {
	Merchant, Kind, State, From, To string
}

// Balance is the money of one merchant's entries of one kind and currency, by state.
type Balance struct {
	Merchant                   string
	Kind                       ledger.Kind
	Currency                   money.Currency
	Succeeded, Pending, Failed Sum
}

// Sum is a number of entries and their amount.
type Sum struct {
	Count  int
	Amount int64
}

// moneyPageRows is how many entries a page shows.
const moneyPageRows = 50

// Money shows the balances and entries of the merchants the visitor answers for.
func (pg *Pages) Money(w http.ResponseWriter, r *http.Request, v *Visit) error {
	q := r.URL.Query()
	f := MoneyFilter{Merchant: strings.TrimSpace(q.Get("merchant")), Kind: q.Get("kind"), State: q.Get("state"),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	d := &MoneyData{Filter: f, Merchants: v.Principal.Role != app.RoleMerchant, Kinds: ledger.Kinds, States: ledger.States,
		Errors: map[string]string{}}
	in := app.LedgerInput{Merchant: f.Merchant, Kind: f.Kind, State: f.State, Cursor: q.Get("cursor"), Limit: moneyPageRows}
	var ok1, ok2 bool
	in.From, ok1 = pg.moneyDate(v, f.From, 0, "from", d.Errors)
	in.To, ok2 = pg.moneyDate(v, f.To, 1, "to", d.Errors)
	status := http.StatusOK
	if ok1 && ok2 {
		list, err := pg.app.Ledger(r.Context(), v.Principal, in)
		if err != nil {
			problem := &FormProblem{Fields: d.Errors}
			if !pg.formProblem(v.Lang, err, problem) {
				return err
			}
			d.Message, status = problem.Message, problemStatus(err)
		} else {
			pg.fillMoney(v, f, list, d)
		}
	} else {
		d.Message, status = pg.say(v.Lang, "form.check_fields"), http.StatusUnprocessableEntity
		// Who may not read the ledger learns nothing from a wrong date either.
		if _, err := pg.app.Ledger(r.Context(), v.Principal, app.LedgerInput{Limit: 1}); err != nil {
			return err
		}
	}
	p := pg.page(r, v, "money.title")
	p.Data = d
	pg.render(w, r, status, "money", p)
	return nil
}

// fillMoney puts a page of the ledger on d: the totals as balances, in the store's order
// (merchant, kind), and the entries.
func (pg *Pages) fillMoney(v *Visit, f MoneyFilter, list *app.LedgerList, d *MoneyData) {
	d.Balances = balances(list.Totals)
	for _, e := range list.Entries {
		d.Entries = append(d.Entries, pg.moneyEntry(v.Lang, e))
	}
	if list.NextCursor != "" {
		d.Next = "/money?" + f.query(v.Lang, list.NextCursor).Encode()
	}
}

// balances gathers the totals of each merchant, kind and currency, in the totals' order.
func balances(totals []store.LedgerTotal) []Balance {
	type key struct {
		merchant string
		kind     ledger.Kind
		currency money.Currency
	}
	var out []Balance
	at := map[key]int{}
	for _, t := range totals {
		k := key{t.Merchant, t.Kind, t.Currency}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Balance{Merchant: t.Merchant, Kind: t.Kind, Currency: t.Currency})
		}
		var s *Sum
		switch t.State {
		case ledger.Succeeded:
			s = &out[i].Succeeded
		case ledger.Pending:
			s = &out[i].Pending
		case ledger.Failed:
			s = &out[i].Failed
		default:
			continue
		}
		s.Count += t.Count
		s.Amount += t.Amount
	}
	return out
}

// query is the filter as the query string of a page of the money page.
func (f MoneyFilter) query(l Lang, cursor string) url.Values {
	q := url.Values{"lang": {string(l)}}
	for k, v := range map[string]string{"merchant": f.Merchant, "kind": f.Kind, "state": f.State, "from": f.From, "to": f.To,
		"cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// moneyDate reads a date of the filter as the start of that day (plus days) in the
// platform's time zone; a date that cannot be read is noted on errs.
func (pg *Pages) moneyDate(v *Visit, s string, days int, field string, errs map[string]string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, s, pg.loc)
	if err != nil {
		errs[field] = pg.say(v.Lang, "money.bad_date")
		return time.Time{}, false
	}
	return t.AddDate(0, 0, days), true
}
