package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/store"
)

// Money (SPEC §8, package ledger): a transition's money movements become ledger entries in
// the transition's own transaction, each with an outbox message that the relay hands to
// ExecutePayment; the gateway's answers — the call's, or its signed callback — settle the
// entry. The entry's idempotency key goes with every call, so a crash anywhere neither
// loses nor doubles a payment.

// ErrNoEntry is a payment message that names no ledger entry: written before the ledger
// existed (its movement is in the case's history), it cannot be executed and should go to
// the dead letters for a person to look at.
var ErrNoEntry = errors.New("no ledger entry named")

// paymentMessage is the outbox message that asks the relay to execute an entry.
type paymentMessage struct {
	EntryID string `json:"entry_id"`
	Key     string `json:"idempotency_key"`
	CaseID  string `json:"case_id"`
	Number  string `json:"number"`
	Amount  int64  `json:"amount"`
	Method  string `json:"method"`
}

// planMoney writes the ledger entries of a transition that moved money, and their
// payment messages. paidBack is the change of the case's holdings.
func (a *App) planMoney(ctx context.Context, tx *txn, c *aftersale.Case, res *aftersale.Result, paidBack []aftersale.Holding) error {
	if len(res.Effects.Money) == 0 {
		return nil
	}
	entries, err := ledger.Plan(ledger.Transition{Case: c, Event: &res.Event, Moves: res.Effects.Money, PaidBack: paidBack, NewID: uuid.NewString})
	if err != nil {
		return err
	}
	return a.addEntries(ctx, tx, entries...)
}

// addEntries stores pending entries and the messages that execute them.
func (a *App) addEntries(ctx context.Context, tx *txn, entries ...ledger.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := tx.InsertEntries(ctx, entries...); err != nil {
		if errors.Is(err, store.ErrExceeded) {
			return &Error{Code: CodeConflict, Message: Text{
				ZH: "退款将超过该商品的实付金额,已拒绝", EN: "the refund would exceed what was paid for the item; refused"}, Err: err}
		}
		return err
	}
	msgs := make([]store.OutboxMessage, len(entries))
	for i, e := range entries {
		b, _ := json.Marshal(paymentMessage{EntryID: e.ID, Key: e.IdempotencyKey, CaseID: e.CaseID, Number: e.CaseNumber,
			Amount: e.Amount, Method: string(e.Method)})
		msgs[i] = store.OutboxMessage{Topic: "money." + string(e.Kind), Key: e.CaseID, Payload: b}
	}
	return tx.Enqueue(ctx, msgs...)
}

// moneyFacts gives the case what the ledger knows of it: whether money it moved is still
// pending. Only a resolved case asks (it may complete only once the money is paid).
func moneyFacts(ctx context.Context, tx store.Tx, c *aftersale.Case) error {
	if c.State != aftersale.Resolved {
		return nil
	}
	entries, err := tx.CaseEntries(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, e := range entries {
		// What the merchant owes the platform back (a recovery) is not the customer's money.
		if e.State == ledger.Pending && e.Kind != ledger.Recovery {
			c.MoneyPending = true
		}
	}
	return nil
}

// ExecutePayment executes the entry of a payment message (the relay's handler for
// "money." topics). It returns when to look again (zero: the message is done):
//
//   - a settled entry is done (a callback came first, or this is a redelivery);
//   - otherwise the gateway is asked to pay with the entry's key — the same payment for
//     every call, so a crash between the call and its record pays once;
//   - a paid or declined answer settles the entry; a payment still processing is looked
//     at again shortly (its callback usually settles it first);
//   - a failed call counts an attempt and is retried after the schedule's delay; after
//     the schedule's last attempt the entry fails for good: the case gets an internal
//     note for the agents, the customer a notification, and the entry waits for someone
//     to pay it again by another method (RetryPayment).
func (a *App) ExecutePayment(ctx context.Context, payload json.RawMessage) (next time.Time, err error) {
	var msg paymentMessage
	if err := json.Unmarshal(payload, &msg); err != nil || msg.EntryID == "" {
		return time.Time{}, fmt.Errorf("payment message %s: %w", payload, ErrNoEntry)
	}
	if a.gateway == nil {
		return time.Time{}, errors.New("no payment gateway configured")
	}
	var e ledger.Entry
	if err := a.store.View(ctx, func(tx store.Tx) error {
		e, err = tx.Entry(ctx, msg.EntryID)
		return err
	}); err != nil {
		return time.Time{}, err
	}
	if e.State != ledger.Pending {
		return time.Time{}, nil
	}
	pay, callErr := a.gateway.Pay(ctx, ledger.PayRequest{Key: e.IdempotencyKey, Amount: e.Amount, Currency: e.Currency,
		Method: e.Method, Payer: e.Payer, Payee: e.Payee, Reference: e.CaseNumber})
	// The last try failed: before the entry is given up, ask the gateway whether the key
	// was paid all the same (a lost reply). Only a gateway that has no payment under the
	// key lets the entry fail, so a payment the gateway makes is never paid again by
	// another method; a gateway that cannot say keeps the entry trying.
	unsure := false
	if callErr != nil && !errors.Is(callErr, ledger.ErrDeclined) && ctx.Err() == nil && a.payments.GivesUp(e.Attempts+1) {
		switch known, err := a.gateway.Payment(ctx, e.IdempotencyKey); {
		case err == nil:
			pay, callErr = known, nil
		case !errors.Is(err, ledger.ErrNoPayment):
			unsure = true
		}
	}
	switch {
	case callErr != nil && ctx.Err() != nil:
		return time.Time{}, ctx.Err()
	case callErr != nil:
		a.obs.GatewayCall("error")
	case pay.Status == ledger.Processing:
		a.obs.GatewayCall("processing")
	default:
		a.obs.GatewayCall(string(pay.Status))
	}
	sys := Principal{Role: RoleIntegration, ID: "payments"}
	_, err = write(ctx, a, sys, nil, auditTarget{}, func(tx *txn) (*struct{}, int, error) {
		cur, err := tx.Entry(ctx, e.ID)
		if err != nil {
			return nil, 0, err
		}
		next = time.Time{}
		if cur.State != ledger.Pending {
			return &struct{}{}, 0, nil // settled meanwhile (a callback)
		}
		now := tx.Now()
		switch {
		case callErr != nil && !errors.Is(callErr, ledger.ErrDeclined):
			cur.Attempts++
			cur.LastError = truncate(callErr.Error(), 500)
			if a.payments.GivesUp(cur.Attempts) && !unsure {
				return &struct{}{}, 0, a.failPayment(ctx, tx, &cur, now)
			}
			at := now.Add(a.payments.Delay(cur.Attempts, nil))
			cur.NextAttemptAt, next = &at, at
			return &struct{}{}, 0, tx.UpdateEntry(ctx, cur)
		case callErr != nil: // declined for good: another method may do
			cur.Attempts++
			cur.LastError = truncate(callErr.Error(), 500)
			return &struct{}{}, 0, a.failPayment(ctx, tx, &cur, now)
		}
		if pay.Ref != "" {
			cur.GatewayRef = pay.Ref
		}
		switch pay.Status {
		case ledger.Paid:
			return &struct{}{}, 0, a.settle(ctx, tx, &cur, pay, now)
		case ledger.Declined:
			cur.Attempts++
			cur.LastError = truncate("declined: "+pay.Reason, 500)
			return &struct{}{}, 0, a.failPayment(ctx, tx, &cur, now)
		}
		// Processing: the callback will settle it; look again if it does not come.
		at := now.Add(a.payments.Poll)
		if cur.Attempts == 0 {
			cur.Attempts = 1 // the call was made
		}
		cur.NextAttemptAt, next = &at, at
		return &struct{}{}, 0, tx.UpdateEntry(ctx, cur)
	})
	return next, err
}

// settle records a payment the gateway made.
func (a *App) settle(ctx context.Context, tx *txn, e *ledger.Entry, pay ledger.Payment, now time.Time) error {
	if pay.Amount != e.Amount || pay.Currency != e.Currency {
		return fmt.Errorf("payment %s: the gateway paid %d %s for an entry of %d %s", e.IdempotencyKey, pay.Amount, pay.Currency, e.Amount, e.Currency)
	}
	at := now
	if pay.SettledAt != nil {
		at = *pay.SettledAt
	}
	e.State, e.SettledAt, e.NextAttemptAt, e.LastError = ledger.Succeeded, &at, nil, ""
	if e.Attempts == 0 {
		e.Attempts = 1
	}
	if pay.Ref != "" {
		e.GatewayRef = pay.Ref
	}
	if err := tx.UpdateEntry(ctx, *e); err != nil {
		return err
	}
	return tx.audit(ctx, "ledger.paid", "ledger_entry", e.ID, map[string]any{
		"case_id": e.CaseID, "kind": e.Kind, "amount": e.Amount, "currency": e.Currency, "gateway_ref": e.GatewayRef})
}

// failPayment gives an entry up: failed, an internal note on the case for the agents (the
// task: pay it again by another method), a notification to the customer.
func (a *App) failPayment(ctx context.Context, tx *txn, e *ledger.Entry, now time.Time) error {
	e.State, e.SettledAt, e.NextAttemptAt = ledger.Failed, &now, nil
	if err := tx.UpdateEntry(ctx, *e); err != nil {
		return err
	}
	note := fmt.Sprintf("退款失败(%s,%s,%d 次尝试):%s。请改用其他方式重新退款。/ Payment failed (%s, %s, %d attempts): %s. Pay it again by another method.",
		e.Kind, e.Method, e.Attempts, e.LastError, e.Kind, e.Method, e.Attempts, e.LastError)
	if _, err := tx.AddMessage(ctx, store.CaseMessage{CaseID: e.CaseID, AuthorRole: "system", AuthorID: "payments", Public: false, Body: truncate(note, 2000)}); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"case_id": e.CaseID, "number": e.CaseNumber, "merchant": e.Merchant, "customer": e.Customer,
		"to": []aftersale.Role{aftersale.Customer, aftersale.Agent}, "entry_id": e.ID, "kind": e.Kind, "amount": e.Amount, "currency": e.Currency})
	if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "notify.payment.failed", Key: e.CaseID, Payload: b}); err != nil {
		return err
	}
	return tx.audit(ctx, "ledger.failed", "ledger_entry", e.ID, map[string]any{
		"case_id": e.CaseID, "kind": e.Kind, "amount": e.Amount, "attempts": e.Attempts, "error": e.LastError})
}

// PaymentCallback takes a callback of the payment gateway, its signature already checked
// by the caller (the HTTP handler, with the shared secret: the signature is the gateway's
// credential, as a token is a person's). A duplicate — the entry already settled — changes
// nothing; neither does a callback for a payment still processing. A callback for a key
// the ledger does not have is not found; one that pays another amount is refused.
func (a *App) PaymentCallback(ctx context.Context, pay ledger.Payment) error {
	sys := Principal{Role: RoleIntegration, ID: "gateway"}
	_, err := write(ctx, a, sys, nil, auditTarget{}, func(tx *txn) (*struct{}, int, error) {
		e, err := tx.EntryByKey(ctx, pay.Key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("payment")
		} else if err != nil {
			return nil, 0, err
		}
		if e.State != ledger.Pending {
			if (e.State == ledger.Succeeded) != (pay.Status == ledger.Paid) {
				a.log.Warn("payment callback contradicts the ledger", "key", pay.Key, "ledger", e.State, "gateway", pay.Status)
			}
			return &struct{}{}, http.StatusOK, nil // a duplicate
		}
		now := tx.Now()
		if pay.Ref != "" {
			e.GatewayRef = pay.Ref
		}
		switch pay.Status {
		case ledger.Paid:
			if pay.Amount != e.Amount || pay.Currency != e.Currency {
				return nil, 0, errInvalid("amount", "回调金额与账目不符", fmt.Sprintf("the callback pays %d %s, the entry is %d %s", pay.Amount, pay.Currency, e.Amount, e.Currency))
			}
			return &struct{}{}, http.StatusOK, a.settle(ctx, tx, &e, pay, now)
		case ledger.Declined:
			e.Attempts++
			e.LastError = truncate("declined: "+pay.Reason, 500)
			return &struct{}{}, http.StatusOK, a.failPayment(ctx, tx, &e, now)
		}
		return &struct{}{}, http.StatusOK, nil
	})
	return err
}

// RetryInput pays a failed entry again (POST /api/v1/ledger/{id}/retry).
type RetryInput struct {
	Method ledger.Method `json:"method" jsonschema:"enum=original,enum=balance,enum=bank_card"`
}

// RetryPayment pays a failed entry again by another method (or the same, once the cause
// is fixed): a new pending entry replaces it — a failed entry is replaced once — and the
// relay executes it. Agents and supervisors, for the merchants they serve.
func (a *App) RetryPayment(ctx context.Context, p Principal, id string, in RetryInput, idem *Idempotency) (Reply[EntryView], error) {
	if err := authorize(p, opRetryPayment, nil, ""); err != nil {
		return Reply[EntryView]{}, err
	}
	if !in.Method.Valid() {
		return Reply[EntryView]{}, errInvalid("method", "退款方式应为 original、balance 或 bank_card", "the method must be original, balance or bank_card")
	}
	// The failed entry's key must be unknown to the gateway (or declined there): a payment
	// it has, or is making, is not paid again under another key.
	var failedKey string
	if err := a.store.View(ctx, func(tx store.Tx) error {
		if _, err := uuid.Parse(id); err != nil {
			return nil
		}
		e, err := tx.Entry(ctx, id)
		if err == nil && e.State == ledger.Failed && p.sees(owner{e.Merchant, e.Customer}) {
			failedKey = e.IdempotencyKey
		}
		return nil
	}); err != nil {
		return Reply[EntryView]{}, err
	}
	if failedKey != "" && a.gateway != nil {
		switch known, err := a.gateway.Payment(ctx, failedKey); {
		case err == nil && known.Status != ledger.Declined:
			return Reply[EntryView]{}, &Error{Code: CodeConflict, Message: Text{
				ZH: "支付网关已有这笔付款(" + string(known.Status) + "),不能再付一次,请联系技术支持核对",
				EN: "the payment gateway has this payment (" + string(known.Status) + "): it cannot be paid again; have it reconciled"}}
		case err != nil && !errors.Is(err, ledger.ErrNoPayment):
			return Reply[EntryView]{}, fmt.Errorf("ask the gateway about %s: %w", failedKey, err)
		}
	}
	return write(ctx, a, p, idem, auditTarget{"ledger.retry", "ledger_entry", id}, func(tx *txn) (*EntryView, int, error) {
		if _, err := uuid.Parse(id); err != nil {
			return nil, 0, errNotFound("ledger entry")
		}
		e, err := tx.Entry(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("ledger entry")
		} else if err != nil {
			return nil, 0, err
		}
		if err := authorize(p, opRetryPayment, &owner{e.Merchant, e.Customer}, "ledger entry"); err != nil {
			return nil, 0, err
		}
		if e.State != ledger.Failed {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "只有失败的退款可以重新发起", EN: "only a failed payment can be paid again"}}
		}
		rec, err := tx.Case(ctx, e.CaseID)
		if err != nil {
			return nil, 0, err
		}
		if in.Method == ledger.Original && rec.Case.PaymentMethod == "cod" {
			return nil, 0, errInvalid("method", "货到付款的订单不能原路退回", "a cash-on-delivery order cannot be refunded the original way")
		}
		actor, _ := p.actor()
		n := ledger.Retried(e, in.Method, actor, uuid.NewString(), tx.Now())
		if err := a.addEntries(ctx, tx, n); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "这笔退款已经重新发起过", EN: "this payment was already paid again"}, Err: err}
			}
			return nil, 0, err
		}
		if err := tx.audit(ctx, "ledger.retry", "ledger_entry", n.ID, map[string]any{"replaces": e.ID, "method": in.Method}); err != nil {
			return nil, 0, err
		}
		v := entryView(n)
		return &v, http.StatusCreated, nil
	})
}

// EntryView is a ledger entry as the API shows it.
type EntryView struct {
	ledger.Entry
}

func entryView(e ledger.Entry) EntryView { return EntryView{e} }

// CaseLedger is a case's money: its entries, what was paid back and what is pending
// (GET /api/v1/cases/{id}/ledger).
type CaseLedger struct {
	Entries  []EntryView `json:"entries"`
	Refunded int64       `json:"refunded"` // paid to the customer, succeeded
	Pending  int64       `json:"pending"`  // on its way to the customer
	Charged  int64       `json:"charged"`  // paid by the customer, succeeded
	Currency string      `json:"currency,omitempty"`
}

// CaseLedger returns the entries of a case whoever may see the case.
func (a *App) CaseLedger(ctx context.Context, p Principal, caseID string) (*CaseLedger, error) {
	var out *CaseLedger
	err := a.store.View(ctx, func(tx store.Tx) error {
		if _, err := a.loadCase(ctx, tx, p, opReadCase, caseID); err != nil {
			return err
		}
		entries, err := tx.CaseEntries(ctx, caseID)
		if err != nil {
			return err
		}
		out = caseLedger(entries)
		return nil
	})
	return out, err
}

func caseLedger(entries []ledger.Entry) *CaseLedger {
	out := &CaseLedger{Entries: make([]EntryView, 0, len(entries))}
	for _, e := range entries {
		out.Entries = append(out.Entries, entryView(e))
		out.Currency = string(e.Currency)
		switch {
		case e.Payee == ledger.Customer && e.State == ledger.Succeeded:
			out.Refunded += e.Amount
		case e.Payee == ledger.Customer && e.State == ledger.Pending:
			out.Pending += e.Amount
		case e.Payer == ledger.Customer && e.State == ledger.Succeeded:
			out.Charged += e.Amount
		}
	}
	return out
}

// LedgerInput selects entries (GET /api/v1/ledger).
type LedgerInput struct {
	Merchant string
	Kind     string
	State    string
	From, To time.Time
	Cursor   string
	Limit    int
}

// LedgerList is a page of entries and the totals of everything the query selects, per
// merchant.
type LedgerList struct {
	Entries    []EntryView         `json:"entries"`
	NextCursor string              `json:"next_cursor,omitempty"`
	Totals     []store.LedgerTotal `json:"totals"`
}

// Ledger lists entries with totals per merchant: merchant staff see their merchant's
// only, supervisors and admins any (a scoped supervisor, the merchants served).
func (a *App) Ledger(ctx context.Context, p Principal, in LedgerInput) (*LedgerList, error) {
	if err := authorize(p, opReadLedger, nil, ""); err != nil {
		return nil, err
	}
	q := store.LedgerQuery{Merchant: in.Merchant, Kind: ledger.Kind(in.Kind), State: ledger.State(in.State),
		From: in.From, To: in.To, Cursor: in.Cursor, Limit: in.Limit}
	switch {
	case in.Kind != "" && !q.Kind.Valid():
		return nil, errInvalid("kind", "未知的款项类型", "unknown kind "+in.Kind)
	case in.State != "" && !q.State.Valid():
		return nil, errInvalid("state", "状态应为 pending、succeeded 或 failed", "the state must be pending, succeeded or failed")
	case in.Limit < 0 || in.Limit > 500:
		return nil, errInvalid("limit", "每页数量应为 1–500", "the limit must be 1–500")
	}
	switch {
	case p.Role == RoleMerchant:
		if in.Merchant != "" && in.Merchant != p.Merchant {
			return nil, errNotFound("merchant")
		}
		q.Merchant = p.Merchant
	case len(p.Scope) > 0:
		if in.Merchant != "" && !p.sees(owner{merchant: in.Merchant}) {
			return nil, errNotFound("merchant")
		}
		q.Merchants = p.Scope
	}
	out := &LedgerList{Entries: []EntryView{}, Totals: []store.LedgerTotal{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		entries, next, err := tx.ListEntries(ctx, q)
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		} else if err != nil {
			return err
		}
		for _, e := range entries {
			out.Entries = append(out.Entries, entryView(e))
		}
		out.NextCursor = next
		totals, err := tx.LedgerTotals(ctx, q)
		if totals != nil {
			out.Totals = totals
		}
		return err
	})
	return out, err
}

// LedgerStats is the ledger's state for the metrics.
func (a *App) LedgerStats(ctx context.Context) (s store.LedgerStats, err error) {
	err = a.store.View(ctx, func(tx store.Tx) error {
		s, err = tx.LedgerStats(ctx)
		return err
	})
	return s, err
}

// Reconciliation is what `aftersales reconcile` found.
type Reconciliation struct {
	Entries    int               `json:"entries"`
	Payments   int               `json:"payments"`
	Pending    int               `json:"pending"`
	Mismatches []ledger.Mismatch `json:"mismatches"`
}

// Reconcile compares the ledger's entries made in [from, to) with the gateway's record of
// the same period (zero bounds: everything).
func (a *App) Reconcile(ctx context.Context, p Principal, from, to time.Time) (*Reconciliation, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	if a.gateway == nil {
		return nil, errors.New("no payment gateway configured")
	}
	var entries []ledger.Entry
	var paid []ledger.ItemPaid
	err := a.store.View(ctx, func(tx store.Tx) error {
		q := store.LedgerQuery{From: from, To: to, Limit: 500}
		for {
			page, next, err := tx.ListEntries(ctx, q)
			if err != nil {
				return err
			}
			entries = append(entries, page...)
			if next == "" {
				break
			}
			q.Cursor = next
		}
		var err error
		paid, err = tx.ItemsPaid(ctx, from, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	// A payment is made after its entry: the gateway's record is read a day past the
	// period, and a payment outside the period counts only for an entry inside it.
	until := to
	if !until.IsZero() {
		until = until.Add(24 * time.Hour)
	}
	all, err := a.gateway.Payments(ctx, from, until)
	if err != nil {
		return nil, fmt.Errorf("the gateway's record: %w", err)
	}
	keys := make(map[string]bool, len(entries))
	for _, e := range entries {
		keys[e.IdempotencyKey] = true
	}
	var payments, foreign []ledger.Payment
	for _, pay := range all {
		switch {
		case keys[pay.Key]:
			payments = append(payments, pay)
		case to.IsZero() || pay.CreatedAt.Before(to):
			foreign = append(foreign, pay)
		}
	}
	// A payment of the period whose entry was made before it is not a mismatch either.
	if err := a.store.View(ctx, func(tx store.Tx) error {
		for _, pay := range foreign {
			if _, err := tx.EntryByKey(ctx, pay.Key); errors.Is(err, store.ErrNotFound) {
				payments = append(payments, pay)
			} else if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	r := &Reconciliation{Entries: len(entries), Payments: len(payments), Mismatches: ledger.Reconcile(entries, payments, paid)}
	for _, e := range entries {
		if e.State == ledger.Pending {
			r.Pending++
		}
	}
	if r.Mismatches == nil {
		r.Mismatches = []ledger.Mismatch{}
	}
	return r, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
