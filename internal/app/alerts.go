package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/warning"
)

// Early warning (预警): the return rate of a SKU, a category or a merchant, or the
// complaint rate of a merchant, above its own baseline raises one alert per episode, told to the merchant's staff and the platform
// with the figures and the top reasons. CheckAlerts runs in serve every few minutes on
// every replica: the stores keep one open alert per subject, so that a second replica's
// insert of the same episode is refused and skipped.

// AlertReason is one of an alert's top reasons with its cases in the window (for a
// complaint rate: a theme of the complaints, with their number), named in both languages.
type AlertReason struct {
	Reason string `json:"reason"`
	Cases  int64  `json:"cases"`
	ZH     string `json:"zh,omitempty"`
	EN     string `json:"en,omitempty"`
}

// AlertView is an alert as the API and the pages show it.
type AlertView struct {
	ID         string        `json:"id"`
	Kind       string        `json:"kind"`
	Key        string        `json:"key"`
	Merchant   string        `json:"merchant"`
	State      string        `json:"state"`
	OpenedAt   time.Time     `json:"opened_at"`
	ClosedAt   *time.Time    `json:"closed_at,omitempty"`
	Rate       float64       `json:"rate"`
	Baseline   float64       `json:"baseline"`
	Volume     int64         `json:"volume"`
	Events     int64         `json:"events"`
	TopReasons []AlertReason `json:"top_reasons"`
}

// AlertList is GET /api/v1/alerts' answer.
type AlertList struct {
	Alerts []AlertView `json:"alerts"`
}

// AlertFilter selects alerts: State open, closed or all (""), Kind sku, category or
// merchant (""), Merchant one merchant ("").
type AlertFilter struct {
	State, Kind, Merchant string
}

func alertView(a store.Alert) AlertView {
	v := AlertView{ID: a.ID, Kind: a.Kind, Key: a.Key, Merchant: a.Merchant, State: a.State, OpenedAt: a.OpenedAt,
		Rate: a.Rate, Baseline: a.Baseline, Volume: a.Volume, Events: a.Events, TopReasons: []AlertReason{}}
	if !a.ClosedAt.IsZero() {
		t := a.ClosedAt
		v.ClosedAt = &t
	}
	_ = json.Unmarshal(a.TopReasons, &v.TopReasons)
	return v
}

// mayReadAlerts: merchant staff (their own) and the platform's staff; customers and
// integrations never.
func mayReadAlerts(p Principal) error {
	switch p.Role {
	case RoleMerchant, RoleAgent, RoleSupervisor, RoleAdmin:
		return nil
	}
	return errForbidden("你的角色不能查看预警", "your role may not read alerts")
}

// Alerts lists alerts, newest first: a merchant's staff their merchant's, the platform's
// staff those of the merchants they serve. A filter naming another merchant is not found.
func (a *App) Alerts(ctx context.Context, p Principal, f AlertFilter) (*AlertList, error) {
	if err := mayReadAlerts(p); err != nil {
		return nil, err
	}
	switch f.State {
	case "all":
		f.State = ""
	case "", store.AlertOpen, store.AlertClosed:
	default:
		return nil, errInvalid("state", "须为 open、closed 或 all", "must be open, closed or all")
	}
	switch f.Kind {
	case "", warning.KindSKU, warning.KindCategory, warning.KindMerchant:
	default:
		return nil, errInvalid("kind", "须为 sku、category 或 merchant", "must be sku, category or merchant")
	}
	s := scopeOf(p, f.Merchant, "")
	if !s.ok {
		return nil, errNotFound("alerts")
	}
	out := &AlertList{Alerts: []AlertView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		as, err := tx.ListAlerts(ctx, store.AlertQuery{State: f.State, Kind: f.Kind, Merchant: s.merchant, Limit: 500})
		for _, al := range as {
			if len(s.merchants) > 0 && !slices.Contains(s.merchants, al.Merchant) {
				continue
			}
			out.Alerts = append(out.Alerts, alertView(al))
		}
		return err
	})
	return out, err
}

// alertRules returns the rules in force (the admins' last saved, or the defaults) and
// their version (0: the defaults).
func (a *App) alertRules(ctx context.Context, tx store.Tx) (warning.AlertRules, int, error) {
	body, version, err := tx.AlertRules(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return warning.Default, 0, nil
	} else if err != nil {
		return warning.AlertRules{}, 0, err
	}
	var r warning.AlertRules
	if err := json.Unmarshal(body, &r); err != nil {
		return warning.AlertRules{}, 0, fmt.Errorf("stored alert rules version %d: %w", version, err)
	}
	return r, version, nil
}

// AlertRulesView is the warning rules in force and their version (0: the defaults).
type AlertRulesView struct {
	Version int                `json:"version"`
	Rules   warning.AlertRules `json:"rules"`
}

// AlertRulesInput replaces the warning rules at the version read.
type AlertRulesInput struct {
	Version int                `json:"version" jsonschema:"description=the version read (0 for the defaults)"`
	Rules   warning.AlertRules `json:"rules"`
}

// GetAlertRules returns the warning rules in force (the platform's staff).
func (a *App) GetAlertRules(ctx context.Context, p Principal) (*AlertRulesView, error) {
	if !p.staff() || p.Role == RoleMerchant {
		return nil, errForbidden("只有平台人员可以查看预警规则", "only the platform's staff read the alert rules")
	}
	var v AlertRulesView
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		v.Rules, v.Version, err = a.alertRules(ctx, tx)
		return err
	})
	return &v, err
}

// SaveAlertRules replaces the warning rules (admins), checked field by field.
func (a *App) SaveAlertRules(ctx context.Context, p Principal, in AlertRulesInput) (*AlertRulesView, error) {
	if !p.may(opAdmin) {
		return nil, errForbidden("只有管理员可以修改预警规则", "only admins change the alert rules")
	}
	if err := in.Rules.Check(); err != nil {
		var fe *warning.FieldError
		if errors.As(err, &fe) {
			return nil, errInvalid(fe.Field, fe.Zh, fe.En)
		}
		return nil, err
	}
	body, err := json.Marshal(in.Rules)
	if err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"alert.rules", "alert_rules", "1"}, func(tx *txn) (*AlertRulesView, int, error) {
		if err := tx.SaveAlertRules(ctx, body, in.Version+1); err != nil {
			return nil, 0, err
		}
		return &AlertRulesView{Version: in.Version + 1, Rules: in.Rules}, 200,
			tx.audit(ctx, "alert.rules", "alert_rules", "1", map[string]any{"version": in.Version + 1})
	})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// alertDims are the cells each kind of subject reads: its volume (order items), its
// events (return cases, or complaints) and its reasons (or the complaints' themes).
var alertDims = map[string]struct{ volume, reasons, events string }{
	warning.KindSKU:                {analytics.DimSKU, analytics.DimSKUReason, analytics.MCases},
	warning.KindCategory:           {analytics.DimCategory, analytics.DimCategoryReason, analytics.MCases},
	warning.KindMerchant:           {analytics.DimAll, analytics.DimReason, analytics.MCases},
	warning.KindMerchantComplaints: {analytics.DimAll, analytics.DimTheme, analytics.MComplaints},
}

// wholeMerchant: the subject is a merchant, not one of its SKUs or categories.
func wholeMerchant(kind string) bool {
	return kind == warning.KindMerchant || kind == warning.KindMerchantComplaints
}

// CheckAlerts folds what waits into the report cells, then steps every subject's episode
// by today's figures: it opens an alert (and tells the merchant's staff and the platform)
// on a breach, keeps it open while the rate stays high and closes it after the quiet
// days. It returns how many alerts it opened and closed.
func (a *App) CheckAlerts(ctx context.Context) (opened, closed int, err error) {
	if err := a.foldPending(ctx); err != nil {
		return 0, 0, err
	}
	err = a.store.Update(ctx, func(tx store.Tx) error {
		opened, closed = 0, 0
		rules, _, err := a.alertRules(ctx, tx)
		if err != nil {
			return err
		}
		now := tx.Now()
		today, _ := time.Parse(time.DateOnly, analytics.Day(now))
		open, err := tx.ListAlerts(ctx, store.AlertQuery{State: store.AlertOpen, Limit: 500})
		if err != nil {
			return err
		}
		episodes := map[warning.Subject]store.Alert{}
		for _, al := range open {
			episodes[warning.Subject{Kind: al.Kind, Key: al.Key, Merchant: al.Merchant}] = al
		}
		for _, kind := range rules.Kinds {
			series, err := alertSeries(ctx, tx, kind, rules.Span(today), today.Format(time.DateOnly))
			if err != nil {
				return err
			}
			subjects := make([]warning.Subject, 0, len(series))
			for s := range series {
				subjects = append(subjects, s)
			}
			for s := range episodes {
				if s.Kind == kind && series[s] == nil {
					subjects = append(subjects, s)
				}
			}
			slices.SortFunc(subjects, func(x, y warning.Subject) int {
				return cmp.Or(cmp.Compare(x.Merchant, y.Merchant), cmp.Compare(x.Key, y.Key))
			})
			for _, s := range subjects {
				al, isOpen := episodes[s]
				ep := warning.Episode{Open: isOpen, OpenedDay: al.OpenedDay, LoudDay: al.LoudDay}
				next, d, f := warning.Step(ep, series[s], today, rules)
				switch {
				case d == warning.Open:
					reasons, err := topReasons(ctx, tx, s, today, rules.WindowDays)
					if err != nil {
						return err
					}
					body, _ := json.Marshal(reasons)
					al := store.Alert{ID: uuid.NewString(), Kind: s.Kind, Key: s.Key, Merchant: s.Merchant, State: store.AlertOpen,
						OpenedAt: now, OpenedDay: next.OpenedDay, LoudDay: next.LoudDay, Rate: f.Rate, Baseline: f.Baseline,
						Volume: f.Volume, Events: f.Events, TopReasons: body}
					if err := tx.InsertAlert(ctx, al); errors.Is(err, store.ErrConflict) {
						continue // another replica opened this episode
					} else if err != nil {
						return err
					}
					opened++
					if err := a.tellAlert(ctx, tx, al, reasons); err != nil {
						return err
					}
				case d == warning.Close:
					al.State, al.ClosedAt = store.AlertClosed, now
					if err := tx.UpdateAlert(ctx, al); err != nil {
						return err
					}
					closed++
				case isOpen && next.LoudDay != al.LoudDay:
					al.LoudDay = next.LoudDay
					if err := tx.UpdateAlert(ctx, al); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return opened, closed, err
}

// alertSeries reads each subject's daily order items and cases of a kind from the cells.
func alertSeries(ctx context.Context, tx store.Tx, kind, from, to string) (map[warning.Subject][]warning.Day, error) {
	dims, ok := alertDims[kind]
	if !ok {
		return nil, fmt.Errorf("alert kind %q", kind)
	}
	by := []string{"merchant", "k1", "day"}
	if wholeMerchant(kind) {
		by = []string{"merchant", "day"}
	}
	sums, err := tx.QueryCells(ctx, store.CellQuery{Dim: dims.volume, From: from, To: to,
		Metrics: []string{analytics.MItems, dims.events}, By: by})
	if err != nil {
		return nil, err
	}
	out := map[warning.Subject][]warning.Day{}
	for _, c := range sums {
		if c.Merchant == "" {
			continue
		}
		s := warning.Subject{Kind: kind, Key: c.K1, Merchant: c.Merchant}
		days := out[s]
		if len(days) == 0 || days[len(days)-1].Day != c.Day {
			days = append(days, warning.Day{Day: c.Day})
		}
		d := &days[len(days)-1]
		switch c.Metric {
		case analytics.MItems:
			d.Volume += c.N
		case dims.events:
			d.Events += c.N
		}
		out[s] = days
	}
	if dims.events != analytics.MCases {
		return out, nil
	}
	// A recall plan's cases are the platform's own doing, known before any rate shows
	// them: they raise no alert (the reason cells hold them apart).
	q := store.CellQuery{Dim: dims.reasons, K2: string(aftersale.ProductRecall), From: from, To: to, Metrics: []string{dims.events}, By: by}
	if wholeMerchant(kind) {
		q.K1, q.K2 = string(aftersale.ProductRecall), ""
	}
	recalls, err := tx.QueryCells(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, c := range recalls {
		days := out[warning.Subject{Kind: kind, Key: c.K1, Merchant: c.Merchant}]
		if wholeMerchant(kind) {
			days = out[warning.Subject{Kind: kind, Merchant: c.Merchant}]
		}
		if i := slices.IndexFunc(days, func(d warning.Day) bool { return d.Day == c.Day }); i >= 0 {
			days[i].Events = max(0, days[i].Events-c.N)
		}
	}
	return out, nil
}

// topReasons are a subject's three reasons with the most cases in the window.
func topReasons(ctx context.Context, tx store.Tx, s warning.Subject, today time.Time, window int) ([]AlertReason, error) {
	dims := alertDims[s.Kind]
	q := store.CellQuery{Dim: dims.reasons, Merchant: s.Merchant, K1: s.Key, Metrics: []string{dims.events},
		From: today.AddDate(0, 0, -(window - 1)).Format(time.DateOnly), To: today.Format(time.DateOnly), By: []string{"k2"}}
	if wholeMerchant(s.Kind) {
		q.K1, q.By = "", []string{"k1"}
	}
	sums, err := tx.QueryCells(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []AlertReason{}
	for _, c := range sums {
		r := cmp.Or(c.K2, c.K1)
		if wholeMerchant(s.Kind) {
			r = c.K1
		}
		if c.N > 0 && r != string(aftersale.ProductRecall) {
			out = append(out, namedReason(s.Kind, r, c.N))
		}
	}
	slices.SortFunc(out, func(x, y AlertReason) int {
		return cmp.Or(cmp.Compare(y.Cases, x.Cases), cmp.Compare(x.Reason, y.Reason))
	})
	return out[:min(3, len(out))], nil
}

// tellAlert puts the alert in the in-app inbox of the merchant's staff and the
// platform's supervisors and admins, with the figures and the top reasons.
func (a *App) tellAlert(ctx context.Context, tx store.Tx, al store.Alert, reasons []AlertReason) error {
	rs, err := a.recipients(ctx, tx, []string{string(RoleMerchant), string(RoleSupervisor), string(RoleAdmin)},
		al.Merchant, "", func(string) bool { return false })
	if err != nil {
		return err
	}
	subject := al.Key
	if subject == "" {
		subject = al.Merchant
	}
	rateZH, rateEN, eventsZH, eventsEN, whyZH, whyEN := "退货率", "return rate", "件售后", "cases", "主要原因", "top reasons"
	if al.Kind == warning.KindMerchantComplaints {
		rateZH, rateEN, eventsZH, eventsEN, whyZH, whyEN = "投诉率", "complaint rate", "条投诉", "complaints", "主要主题", "top themes"
	}
	title := store.Text{
		ZH: fmt.Sprintf("预警:%s 的%s升至 %.1f%%", subject, rateZH, al.Rate*100),
		EN: fmt.Sprintf("Alert: the %s of %s rose to %.1f%%", rateEN, subject, al.Rate*100),
	}
	body := store.Text{
		ZH: fmt.Sprintf("商家 %s 的%s %s:%s %.1f%%(基线 %.1f%%),%d 件商品,%d %s;%s:%s",
			al.Merchant, kindZH[al.Kind], subject, rateZH, al.Rate*100, al.Baseline*100, al.Volume, al.Events, eventsZH, whyZH, whyOf(reasons, true)),
		EN: fmt.Sprintf("Merchant %s, %s %s: %s %.1f%% (baseline %.1f%%), %d %s on %d items; %s: %s",
			al.Merchant, al.Kind, subject, rateEN, al.Rate*100, al.Baseline*100, al.Events, eventsEN, al.Volume, whyEN, whyOf(reasons, false)),
	}
	for _, r := range rs {
		if _, err := tx.InsertNotification(ctx, store.Notification{Recipient: r.person, Source: "alert:" + al.ID,
			Event: "alert.opened", Subject: title, Body: body, Link: "/alerts", At: tx.Now()}); err != nil {
			return err
		}
	}
	return nil
}

var kindZH = map[string]string{warning.KindSKU: "商品", warning.KindCategory: "类目", warning.KindMerchant: "店铺",
	warning.KindMerchantComplaints: "店铺"}

// whyOf lists the top reasons by name with their numbers.
func whyOf(reasons []AlertReason, zh bool) string {
	var why string
	for i, r := range reasons {
		if i > 0 {
			why += ", "
		}
		name := r.EN
		if zh {
			name = r.ZH
		}
		why += fmt.Sprintf("%s %d", name, r.Cases)
	}
	return why
}

// namedReason names a return reason by the policy's reason codes, a complaint theme by
// the analytics themes (an unknown code keeps its code as its name).
func namedReason(kind, code string, n int64) AlertReason {
	r := AlertReason{Reason: code, Cases: n, ZH: code, EN: code}
	if kind == warning.KindMerchantComplaints {
		for _, th := range analytics.DefaultThemes {
			if th.Code == code {
				r.ZH, r.EN = th.Zh, th.En
			}
		}
		return r
	}
	l := aftersale.Reason(code).Info().Label
	r.ZH, r.EN = l.ZH, l.EN
	return r
}
