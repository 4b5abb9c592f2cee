package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// RiskReason is one reason of a risk score, in both languages.
type RiskReason struct {
	Code   string `json:"code"`
	Points int    `json:"points"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
}

// RiskView is a customer's abuse risk score (GET /api/v1/risk/customers/{id}).
type RiskView struct {
	Customer    string       `json:"customer"`
	Score       int          `json:"score"`
	Level       string       `json:"level" jsonschema:"enum=low,enum=medium,enum=high"`
	Reasons     []RiskReason `json:"reasons"`
	WatchListed bool         `json:"watch_listed"`
	Watch       *WatchView   `json:"watch,omitempty"`
}

// WatchView is a customer on the watch list (观察名单).
type WatchView struct {
	Customer string    `json:"customer"`
	Reason   string    `json:"reason"`
	By       string    `json:"by" jsonschema:"description=the staff account's username (a token's id when a token added it)"`
	At       time.Time `json:"at"`
}

// WatchList is the platform's watch list, newest first.
type WatchList struct {
	Entries []WatchView `json:"entries"`
}

// WatchInput puts a customer on the watch list, or takes one off, with the reason.
type WatchInput struct {
	Customer string `json:"customer"`
	Reason   string `json:"reason"`
}

// riskRules are the rules the platform scores with (the defaults: a rules editor may come).
var riskRules = risk.DefaultRules

// riskHistory is how many of a customer's most recent orders and cases the score reads: an
// abuser shows in the recent ones (every count factor of DefaultRules is at its cap by 8),
// and an application by a customer of ten thousand orders must not read them all inside
// the write transaction (every application would slow with the history, and on SQLite hold
// the one writer while it reads: BenchmarkApplySQLite/customers=1, 10.6 ms a case at 500).
const riskHistory = 100

// scoreCustomer gathers a customer's features in the transaction and scores them.
func scoreCustomer(ctx context.Context, tx store.Tx, customer string, now time.Time) (risk.Score, bool, error) {
	f, err := tx.RiskFeatures(ctx, customer, now.Add(-90*24*time.Hour), riskRules.PromotionDays, riskHistory)
	if err != nil {
		return risk.Score{}, false, err
	}
	return riskRules.Score(f), f.WatchListed, nil
}

// setRisk hands the score to the policy (customer.risk, customer.risk_level, customer.watch_listed).
func setRisk(c *policy.CustomerVars, s risk.Score, watched bool) {
	c.Risk, c.RiskLevel, c.WatchListed = s.Value, s.Level(), watched
}

// keepCaseRisk stores a case's score at application, for the agent's case page.
func keepCaseRisk(ctx context.Context, tx store.Tx, caseID string, s risk.Score) error {
	reasons, err := json.Marshal(riskReasons(s))
	if err != nil {
		return err
	}
	return tx.SetCaseRisk(ctx, store.CaseRisk{CaseID: caseID, Score: s.Value, Reasons: reasons})
}

// riskHold explains, without the score (the customer reads the decision), why an
// application a low-risk customer would have had approved at once waits for a person.
func riskHold(d *policy.Decision, s risk.Score, watched bool) {
	if d.AutoApprove || !d.Eligible || (s.Value < 40 && !watched) {
		return
	}
	d.Rules = append(d.Rules, policy.Hit{ID: "risk_review", Kind: "risk", Outcome: "hold"})
	d.Explanation.ZH += "本申请需人工审核,不适用一键退换货。"
	d.Explanation.EN += " This application is reviewed by a person: one-click return does not apply."
}

func riskReasons(s risk.Score) []RiskReason {
	out := make([]RiskReason, 0, len(s.Reasons))
	for _, r := range s.Reasons {
		out = append(out, RiskReason{Code: r.Code, Points: r.Points, ZH: r.Text.ZH, EN: r.Text.EN})
	}
	return out
}

// mayReadRisk: the platform's staff read any customer's score (agents and supervisors
// who serve some merchants only, those merchants' buyers'), a merchant's staff only
// those of customers who ordered from their merchant; customers and integrations never
// (not found: a customer never learns that a score exists).
func mayReadRisk(ctx context.Context, tx store.Tx, p Principal, customer string) error {
	var merchants []string
	switch p.Role {
	case RoleAdmin:
		return nil
	case RoleAgent, RoleSupervisor:
		if len(p.Scope) == 0 {
			return nil
		}
		merchants = p.Scope
	case RoleMerchant:
		merchants = []string{p.Merchant}
	}
	for _, m := range merchants {
		ok, err := tx.CustomerBoughtFrom(ctx, customer, m)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return errNotFound("customer")
}

// MayKeepWatchList answers whether p keeps the watch list (nil) or may not (forbidden): the
// case page asks it before linking the risk block to the list's forms.
func (a *App) MayKeepWatchList(p Principal) error { return mayWatch(p) }

// mayWatch: supervisors and admins keep the watch list.
func mayWatch(p Principal) error {
	if p.Role == RoleSupervisor || p.Role == RoleAdmin {
		return nil
	}
	return errForbidden("只有主管和管理员可以管理观察名单", "only supervisors and admins keep the watch list")
}

// CustomerRisk is a customer's abuse risk score now, with its reasons and the watch list.
func (a *App) CustomerRisk(ctx context.Context, p Principal, customer string) (*RiskView, error) {
	var v *RiskView
	err := a.store.View(ctx, func(tx store.Tx) error {
		if err := mayReadRisk(ctx, tx, p, customer); err != nil {
			return err
		}
		if _, err := tx.Customer(ctx, customer); errors.Is(err, store.ErrNotFound) {
			return errNotFound("customer")
		} else if err != nil {
			return err
		}
		s, watched, err := scoreCustomer(ctx, tx, customer, tx.Now())
		if err != nil {
			return err
		}
		v = &RiskView{Customer: customer, Score: s.Value, Level: s.Level(), Reasons: riskReasons(s), WatchListed: watched}
		if watched {
			w, err := tx.Watch(ctx, customer)
			if err != nil {
				return err
			}
			wv := watchView(w)
			v.Watch = &wv
		}
		return nil
	})
	return v, fromCore(err)
}

// CaseRisk is the score a case's customer had when the case was opened, for the staff who
// may read the customer's score, with the watch list's entry as it is now; nil when none
// was kept or the principal may not read it.
func (a *App) CaseRisk(ctx context.Context, p Principal, caseID string) (*RiskView, error) {
	if p.Role == RoleCustomer || p.Role == RoleIntegration {
		return nil, nil
	}
	var v *RiskView
	err := a.store.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Case(ctx, caseID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if mayReadRisk(ctx, tx, p, rec.Case.CustomerID) != nil {
			return nil
		}
		r, err := tx.CaseRisk(ctx, caseID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		v = &RiskView{Customer: rec.Case.CustomerID, Score: r.Score, Level: policy.RiskLevel(r.Score), Reasons: []RiskReason{}}
		_ = json.Unmarshal(r.Reasons, &v.Reasons)
		w, err := tx.Watch(ctx, rec.Case.CustomerID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		wv := watchView(w)
		v.WatchListed, v.Watch = true, &wv
		return nil
	})
	return v, fromCore(err)
}

func watchView(w store.WatchEntry) WatchView {
	return WatchView{Customer: w.CustomerID, Reason: w.Reason, By: w.By, At: w.At}
}

// ListWatch is the watch list, for supervisors and admins.
func (a *App) ListWatch(ctx context.Context, p Principal) (*WatchList, error) {
	if err := mayWatch(p); err != nil {
		return nil, err
	}
	out := &WatchList{Entries: []WatchView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		ws, err := tx.ListWatch(ctx)
		for _, w := range ws {
			out.Entries = append(out.Entries, watchView(w))
		}
		return err
	})
	return out, err
}

func (in *WatchInput) check() error {
	in.Customer = strings.TrimSpace(in.Customer)
	in.Reason = strings.TrimSpace(text.Clean(in.Reason))
	switch {
	case in.Customer == "":
		return errInvalid("customer", "请填写客户", "the customer is required")
	case in.Reason == "":
		return errInvalid("reason", "请填写原因", "the reason is required")
	case utf8.RuneCountInString(in.Reason) > 500:
		return errInvalid("reason", "原因最多 500 字", "the reason is at most 500 characters")
	}
	return nil
}

// AddToWatchList puts a customer on the watch list with the reason (audited): their score
// gains the watch list's points and one-click return no longer applies to them.
func (a *App) AddToWatchList(ctx context.Context, p Principal, in WatchInput) (Reply[WatchView], error) {
	if err := mayWatch(p); err != nil {
		return Reply[WatchView]{}, err
	}
	if err := in.check(); err != nil {
		return Reply[WatchView]{}, err
	}
	return write(ctx, a, p, nil, auditTarget{"risk.watch", "customer", in.Customer}, func(tx *txn) (*WatchView, int, error) {
		if _, err := tx.Customer(ctx, in.Customer); errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("customer")
		} else if err != nil {
			return nil, 0, err
		}
		if _, err := tx.Watch(ctx, in.Customer); err == nil {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "该客户已在观察名单上", EN: "the customer is on the watch list already"}}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		w := store.WatchEntry{CustomerID: in.Customer, Reason: in.Reason, By: p.ID, At: tx.Now()}
		if name := staffName(ctx, tx, p); name != "" { // a person reads the list: the username
			w.By = name
		}
		if err := tx.AddWatch(ctx, w); err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "risk.watch", "customer", in.Customer, map[string]any{"reason": in.Reason}); err != nil {
			return nil, 0, err
		}
		v := watchView(w)
		return &v, http.StatusCreated, nil
	})
}

// RemoveFromWatchList takes a customer off the watch list with the reason (audited).
func (a *App) RemoveFromWatchList(ctx context.Context, p Principal, in WatchInput) error {
	if err := mayWatch(p); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	_, err := write(ctx, a, p, nil, auditTarget{"risk.unwatch", "customer", in.Customer}, func(tx *txn) (*struct{}, int, error) {
		if err := tx.RemoveWatch(ctx, in.Customer); errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("customer")
		} else if err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "risk.unwatch", "customer", in.Customer, map[string]any{"reason": in.Reason}); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, http.StatusNoContent, nil
	})
	return err
}
