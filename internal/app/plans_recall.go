package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/plan"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// A product recall (召回): a started recall plan opens, on each customer's behalf, one case
// for every order line holding a recalled SKU, and tells the customer.
//
// Which lines: every stored order is a paid one (the shop sends no unpaid or cancelled
// orders; see order.Validate). A line is skipped when a case on it has not ended (the
// desk already handles that unit; the count says so) or when cases have already taken
// every unit back (nothing left to recall). A line that has left the merchant becomes a
// return and refund (return_refund: the goods come back, the merchant pays the postage);
// one not yet shipped a refund (refund_only: the merchant must not send a recalled
// product). Both with reason recall, judged by the policy like any application — the seed
// platform's window "recall" has no end and its recall_shipping puts the postage on the
// merchant — and opened by apply itself, so the case gets its history, deadlines, timers,
// outbox messages, risk, triage and audit exactly as an application does. The actor is
// the system as the plan ("plan:<id>"); the audit entries name the principal who started
// the plan. The customer is told by a notify.case.recall outbox message, delivered like
// every case notification (the in-app inbox, and email or SMS as the customer chose; a
// safety notice that cannot be turned off, notify.MustAct), naming the product and the case.
//
// Once per line, per plan: each line the plan takes up is marked in plan_recall_lines
// (store.Recalls, key plan × SKU × order) before its case is opened, in the same
// transaction. The key, not the plan's history, is what keeps a line from getting two
// cases: a history entry per line would grow without bound and be read back on every
// start, while the key is one index probe, survives a deactivation and a new activation
// (marked lines are not read again: a skipped line too, which its entry lists for the
// desk), and — sent at once with ON CONFLICT DO NOTHING — makes
// a second replica that reaches the same line wait for the first and skip it. Replicas
// rarely get that far: starting a plan and each later batch first move the plan's version
// (UpdatePlan at the version read), so only one of two racing transactions commits.
//
// How many at once: a recall may touch many orders, and each case is some thirty
// statements (the order locked, the customer scored, the policy judged, the case, its
// history, timers, outbox, audit). The activation's own transaction takes up the first
// recallBatchSize lines, so that a small recall is whole the moment it starts and the
// supervisor's request stays short; the rest is taken up by CheckPlans (every minute, on
// every replica) in transactions of recallBatchSize lines each, continuing after the last line
// of the previous batch, up to recallBatchesPerCheck batches a run. Each batch records a
// "recall" entry in the plan's history with its counts and whether lines remain.
const (
	recallBatchesPerCheck = 25
	recallSkippedListed   = 20 // skipped lines named in a history entry (the counts are whole)
)

// recallBatchSize is how many lines one transaction takes up (a variable for the tests).
var recallBatchSize = 200

// The reasons a line is skipped.
const (
	recallSkipOpenCase    = "open_case"    // a case on the line has not ended
	recallSkipNothingLeft = "nothing_left" // cases have taken every unit already
	recallSkipRefused     = "refused"      // the policy refused the application
)

// recallDetail is the detail of a "recall" entry in a plan's history: one batch.
type recallDetail struct {
	SKUs      []string         `json:"skus"`
	Opened    int              `json:"opened"`  // cases opened
	Skipped   int              `json:"skipped"` // lines taken up without a case
	SkippedBy map[string]int   `json:"skipped_by,omitempty"`
	Lines     []recallSkipLine `json:"skipped_lines,omitempty"` // the first recallSkippedListed
	// More: lines remain after this batch (CheckPlans goes on after AfterSKU, AfterOrder).
	More       bool   `json:"more"`
	AfterSKU   string `json:"after_sku,omitempty"`
	AfterOrder string `json:"after_order,omitempty"`
}

type recallSkipLine struct {
	OrderNo  string `json:"order_no"`
	SKU      string `json:"sku"`
	Why      string `json:"why"`
	OpenCase string `json:"open_case,omitempty"`
}

// recall takes up the first batch of a started recall plan's lines (setPlanState).
func (a *App) recall(ctx context.Context, tx *txn, id string, p plan.Plan) error {
	if len(p.RecalledSKUs()) == 0 {
		return nil
	}
	_, err := a.recallBatch(ctx, tx, id, p, "", "")
	return err
}

// recallBatch takes up to recallBatchSize of the plan's unmarked lines after (afterSKU,
// afterOrder) and records the batch in the plan's history.
func (a *App) recallBatch(ctx context.Context, tx *txn, id string, p plan.Plan, afterSKU, afterOrder string) (*recallDetail, error) {
	skus := slices.Compact(slices.Sorted(slices.Values(p.RecalledSKUs())))
	lines, err := tx.RecallLines(ctx, store.RecallLineQuery{Plan: id, SKUs: skus, AfterSKU: afterSKU, AfterOrder: afterOrder, Limit: recallBatchSize + 1})
	if err != nil {
		return nil, err
	}
	d := &recallDetail{SKUs: skus, SkippedBy: map[string]int{}}
	if len(lines) > recallBatchSize {
		lines, d.More = lines[:recallBatchSize], true
	}
	for _, l := range lines {
		d.AfterSKU, d.AfterOrder = l.SKU, l.OrderNo
		first, err := tx.MarkRecallLine(ctx, id, l.SKU, l.OrderNo)
		if err != nil {
			return nil, err
		}
		if !first {
			continue // another run of the plan took it up
		}
		why, err := a.recallLine(ctx, tx, id, p, &l)
		if err != nil {
			return nil, fmt.Errorf("recall %s/%s: %w", l.OrderNo, l.SKU, err)
		}
		if why == "" {
			d.Opened++
			continue
		}
		d.Skipped++
		d.SkippedBy[why]++
		if len(d.Lines) < recallSkippedListed {
			d.Lines = append(d.Lines, recallSkipLine{OrderNo: l.OrderNo, SKU: l.SKU, Why: why, OpenCase: l.OpenCase})
		}
	}
	if !d.More {
		d.AfterSKU, d.AfterOrder = "", ""
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	if err := tx.AppendPlanEvent(ctx, store.PlanEvent{PlanID: id, Kind: "recall", Actor: "system", Detail: b}); err != nil {
		return nil, err
	}
	return d, tx.audit(ctx, "plan.recall", "plan", id, map[string]any{"opened": d.Opened, "skipped": d.Skipped, "more": d.More})
}

// recallLine opens the case of one line and tells its customer; it returns why it opened
// none ("" when it did).
func (a *App) recallLine(ctx context.Context, tx *txn, id string, p plan.Plan, l *store.RecallLine) (string, error) {
	if l.OpenCase != "" {
		return recallSkipOpenCase, nil
	}
	units := l.Quantity - l.Claimed
	if units <= 0 {
		return recallSkipNothingLeft, nil
	}
	typ := aftersale.ReturnRefund
	if !l.Shipped {
		typ = aftersale.RefundOnly
	}
	product := l.SKU
	if l.Title != "" {
		product = l.Title + " (" + l.SKU + ")"
	}
	actor := aftersale.Actor{Role: aftersale.System, ID: "plan:" + id}
	in := ApplyInput{OrderNo: l.OrderNo, Type: typ, Reason: aftersale.ProductRecall, Channel: "api",
		Items: []policy.RequestItem{{SKU: l.SKU, Quantity: units}}, by: &actor,
		Description: fmt.Sprintf("召回预案“%s”为您发起:%s / Opened for you by the recall plan “%s”: %s",
			text.Shorten(p.Name.In("zh"), 60), product, text.Shorten(p.Name.In("en"), 60), product)}
	// The platform, unscoped, authorizes the application on the customer's behalf (the
	// plan's supervisors may serve some merchants only; a recall is platform-wide).
	sys := Principal{Role: RoleSupervisor, ID: "plan:" + id}
	v, err := a.apply(ctx, tx, sys, &in)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Code == CodeRefused || e.Code == CodeInvalid) {
			// Decided before anything of the case was written: the line is skipped.
			return recallSkipRefused, nil
		}
		return "", err
	}
	b, err := json.Marshal(map[string]any{
		"case_id": v.ID, "number": v.Number, "merchant": v.Merchant, "customer": v.Customer,
		"to": []aftersale.Role{aftersale.Customer}, "state": v.State, "type": v.Type,
		"product": product, "sku": l.SKU, "plan_id": id,
	})
	if err != nil {
		return "", err
	}
	return "", tx.Enqueue(ctx, store.OutboxMessage{Topic: "notify.case.recall", Key: v.ID, Payload: b})
}

// recallAllowed refuses reason recall on an application whose SKUs no active plan recalls:
// the reason is the recall plan's (the seed platform's window for it has no end and the
// merchant pays the postage), not a customer's way around the return windows.
func recallAllowed(ps []PlanView, in *ApplyInput) error {
	if in.Reason != aftersale.ProductRecall {
		return nil
	}
	var recalled []string
	for _, p := range ps {
		recalled = append(recalled, p.RecalledSKUs()...)
	}
	for _, it := range in.Items {
		if !slices.Contains(recalled, it.SKU) {
			return errInvalid("reason", "“商品召回”只适用于正在召回的商品", "reason recall is only for a product under an active recall")
		}
	}
	return nil
}

// continueRecalls takes up the rest of the started recall plans' lines, batch after batch
// (see the top of this file), each in a transaction that first moves the plan's version,
// so that of two replicas only one takes up a batch.
func (a *App) continueRecalls(ctx context.Context, recs []store.PlanRecord) error {
	sys := Principal{Role: RoleAdmin, ID: "system"}
	for _, rec := range recs {
		if v, err := planView(rec); err != nil || v.State != plan.Active || len(v.RecalledSKUs()) == 0 {
			continue // as read at the start of the check; a plan started since begins next minute
		}
		for range recallBatchesPerCheck {
			var done *txn
			more := false
			err := a.store.Update(ctx, func(stx store.Tx) error {
				tx := &txn{Tx: stx, p: sys}
				more = false
				cur, err := tx.Plan(ctx, rec.ID)
				if err != nil {
					return err
				}
				v, err := planView(cur)
				if err != nil || v.State != plan.Active || len(v.RecalledSKUs()) == 0 {
					return err
				}
				last, err := lastRecall(ctx, tx, cur.ID)
				if err != nil || last == nil || !last.More {
					return err
				}
				cur.Version++
				if err := tx.UpdatePlan(ctx, cur); err != nil {
					return err
				}
				d, err := a.recallBatch(ctx, tx, cur.ID, v.Plan, last.AfterSKU, last.AfterOrder)
				if err != nil {
					return err
				}
				more, done = d.More, tx
				return nil
			})
			if errors.Is(err, store.ErrConflict) {
				break // another replica is on it
			} else if err != nil {
				return fmt.Errorf("recall of plan %s: %w", rec.ID, err)
			}
			if done != nil {
				a.committed(done)
			}
			if !more {
				break
			}
		}
	}
	return nil
}

// lastRecall is the plan's latest "recall" history entry; nil when it has none.
func lastRecall(ctx context.Context, tx store.Tx, id string) (*recallDetail, error) {
	es, err := tx.PlanEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Kind == "recall" {
			var d recallDetail
			if err := json.Unmarshal(es[i].Detail, &d); err != nil {
				return nil, fmt.Errorf("plan %s recall entry %d: %w", id, es[i].Seq, err)
			}
			return &d, nil
		}
	}
	return nil, nil
}
