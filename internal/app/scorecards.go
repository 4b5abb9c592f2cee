package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/store"
)

// Merchant scorecards (商家评分): a month's score from the report cells, by the scorecard
// rules; the tier of the latest scored month goes with each new case of the merchant
// (order.merchant_tier in policy conditions).

// merchantTier is a merchant's tier of its latest month scored before now's month.
func (a *App) merchantTier(ctx context.Context, tx store.Tx, merchant string, now time.Time) (string, error) {
	month, _, _ := analytics.Month(now)
	return a.tiers.get(tierKey{merchant, month}, replicaTTL, func() (string, error) {
		s, err := tx.LatestScorecard(ctx, merchant, month)
		if errors.Is(err, store.ErrNotFound) {
			return "", nil
		}
		return s.Tier, err
	})
}

// tierKey is a merchant's tier of a month, as merchantTier remembers it for replicaTTL
// (scorecards kept here are seen at once: ScoreMonth forgets).
type tierKey struct{ merchant, month string }

// scorecardRules returns the rules in force: the admins' last saved, or the defaults.
func (a *App) scorecardRules(ctx context.Context, tx store.Tx) (analytics.ScorecardRules, error) {
	r, _, err := a.storedScorecardRules(ctx, tx)
	return r, err
}

func (a *App) storedScorecardRules(ctx context.Context, tx store.Tx) (analytics.ScorecardRules, int, error) {
	body, version, err := tx.ScorecardRules(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return analytics.DefaultScorecard, 0, nil
	} else if err != nil {
		return analytics.ScorecardRules{}, 0, err
	}
	var r analytics.ScorecardRules
	if err := json.Unmarshal(body, &r); err != nil {
		return analytics.ScorecardRules{}, 0, fmt.Errorf("stored scorecard rules version %d: %w", version, err)
	}
	return r, version, nil
}

// ScorecardRulesView is the scorecard rules in force and their version (0: the defaults,
// never saved).
type ScorecardRulesView struct {
	Version int                      `json:"version"`
	Rules   analytics.ScorecardRules `json:"rules"`
}

// ScorecardRulesInput replaces the scorecard rules at the version read.
type ScorecardRulesInput struct {
	Version int                      `json:"version" jsonschema:"description=the version read (0 for the defaults)"`
	Rules   analytics.ScorecardRules `json:"rules"`
}

// GetScorecardRules returns the rules in force with their version.
func (a *App) GetScorecardRules(ctx context.Context, p Principal) (*ScorecardRulesView, error) {
	if err := MayReadReports(p, ""); err != nil {
		return nil, err
	}
	var v ScorecardRulesView
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		v.Rules, v.Version, err = a.storedScorecardRules(ctx, tx)
		return err
	})
	return &v, err
}

// SaveScorecardRules replaces the scorecard rules (admins), checked field by field; they
// score the months scored from then on.
func (a *App) SaveScorecardRules(ctx context.Context, p Principal, in ScorecardRulesInput) (*ScorecardRulesView, error) {
	if !p.may(opAdmin) {
		return nil, errForbidden("只有管理员可以修改评分规则", "only admins change the scorecard rules")
	}
	if err := in.Rules.Check(); err != nil {
		return nil, fromCore(err)
	}
	body, err := json.Marshal(in.Rules)
	if err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"scorecard.rules", "scorecard_rules", "1"}, func(tx *txn) (*ScorecardRulesView, int, error) {
		if err := tx.SaveScorecardRules(ctx, body, in.Version+1); err != nil {
			return nil, 0, err
		}
		return &ScorecardRulesView{Version: in.Version + 1, Rules: in.Rules}, 200,
			tx.audit(ctx, "scorecard.rules", "scorecard_rules", "1", map[string]any{"version": in.Version + 1})
	})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// ScoreMonth computes the scorecards of a month (YYYY-MM) from the cells, for every
// merchant with figures that month; store keeps them (the month is over: what the
// scheduler does each day for the month before).
func (a *App) ScoreMonth(ctx context.Context, month string, keep bool) ([]analytics.Card, error) {
	first, last, err := analytics.ParseMonth(month)
	if err != nil {
		return nil, fromCore(err)
	}
	if err := a.foldPending(ctx); err != nil {
		return nil, err
	}
	var cards []analytics.Card
	run := func(tx store.Tx) error {
		rules, err := a.scorecardRules(ctx, tx)
		if err != nil {
			return err
		}
		sums, err := tx.QueryCells(ctx, store.CellQuery{Dim: analytics.DimAll, From: first, To: last,
			Metrics: analytics.ScorecardMetrics, By: []string{"merchant"}})
		if err != nil {
			return err
		}
		by := map[string]analytics.Sums{}
		var order []string
		for _, s := range sums {
			if by[s.Merchant] == nil {
				by[s.Merchant] = analytics.Sums{}
				order = append(order, s.Merchant)
			}
			by[s.Merchant][s.Metric] = analytics.NS{N: s.N, Sum: s.Sum}
		}
		cards = cards[:0]
		for _, m := range order {
			if m == "" {
				continue
			}
			card := rules.Score(m, month, by[m])
			cards = append(cards, card)
			if !keep {
				continue
			}
			figures, err := json.Marshal(card) // the figures and the cases behind them
			if err != nil {
				return err
			}
			if err := tx.PutScorecard(ctx, store.Scorecard{Merchant: m, Month: month, Score: card.Score, Tier: card.Tier,
				Figures: figures, ComputedAt: tx.Now()}); err != nil {
				return err
			}
		}
		return nil
	}
	if keep {
		if err = a.store.Update(ctx, run); err == nil {
			a.tiers.forget()
		}
	} else {
		err = a.store.View(ctx, run)
	}
	return cards, err
}

// ScoreLastMonth keeps the scorecards of the month before now's (the scheduler runs it
// daily: late changes to last month's cases still count until the month is scored again).
func (a *App) ScoreLastMonth(ctx context.Context) (int, error) {
	cards, err := a.ScoreMonth(ctx, analytics.PreviousMonth(a.now()), true)
	return len(cards), err
}

// KeepScorecards scores a month now and keeps it (admins).
func (a *App) KeepScorecards(ctx context.Context, p Principal, month string) ([]analytics.Card, error) {
	if !p.may(opAdmin) {
		return nil, errForbidden("只有管理员可以评分", "only admins score months")
	}
	return a.ScoreMonth(ctx, month, true)
}

// ScorecardRules returns the scorecard rules in force.
func (a *App) ScorecardRules(ctx context.Context) (analytics.ScorecardRules, error) {
	var r analytics.ScorecardRules
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = a.scorecardRules(ctx, tx)
		return err
	})
	return r, err
}

// ScorecardView is a merchant's scorecard as the API and pages show it.
type ScorecardView struct {
	analytics.Card
	TierName *Text `json:"tier_name,omitempty"`
	// Provisional is true for the month in progress (computed, not kept).
	Provisional bool `json:"provisional"`
}

// Scorecards returns the scorecards of a month: kept ones for a month scored, computed
// ones for the month in progress or one not scored yet. A merchant sees its own only.
func (a *App) Scorecards(ctx context.Context, p Principal, month string) ([]ScorecardView, analytics.ScorecardRules, error) {
	switch p.Role {
	case RoleMerchant, RoleAgent, RoleSupervisor, RoleAdmin:
	default:
		return nil, analytics.ScorecardRules{}, errForbidden("你的角色不能查看商家评分", "your role may not read scorecards")
	}
	if month == "" {
		month = analytics.PreviousMonth(a.now())
	}
	if _, _, err := analytics.ParseMonth(month); err != nil {
		return nil, analytics.ScorecardRules{}, fromCore(err)
	}
	s := scopeOf(p, "", "")
	var rules analytics.ScorecardRules
	var kept []store.Scorecard
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if rules, err = a.scorecardRules(ctx, tx); err != nil {
			return err
		}
		kept, err = tx.Scorecards(ctx, month, s.merchant)
		return err
	})
	if err != nil {
		return nil, rules, err
	}
	current, _, _ := analytics.Month(a.now())
	var out []ScorecardView
	if len(kept) > 0 {
		for _, k := range kept {
			var c analytics.Card
			if err := json.Unmarshal(k.Figures, &c); err != nil {
				return nil, rules, err
			}
			c.Merchant, c.Month, c.Score, c.Tier = k.Merchant, k.Month, k.Score, k.Tier
			out = append(out, ScorecardView{Card: c})
		}
	} else {
		cards, err := a.ScoreMonth(ctx, month, false)
		if err != nil {
			return nil, rules, err
		}
		for _, c := range cards {
			if s.merchant != "" && c.Merchant != s.merchant {
				continue
			}
			out = append(out, ScorecardView{Card: c, Provisional: month >= current})
		}
	}
	filtered := out[:0]
	for _, v := range out {
		if s.merchants != nil && !containsString(s.merchants, v.Merchant) {
			continue
		}
		if t, ok := rules.Tier(v.Tier); ok {
			v.TierName = &Text{ZH: t.Zh, EN: t.En}
		}
		filtered = append(filtered, v)
	}
	return filtered, rules, nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
