package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/sla"
	"github.com/aftersales/aftersales/internal/store"
)

// The reports (SPEC §9) read aggregates, never cases: every write that changes a case,
// an order, a complaint or a quality review marks the record dirty in its own
// transaction (the stores do it), and FoldReports folds the marked records' facts into
// the cells — only the difference to what each contributed before — a batch at a time
// (foldBatch: a read, then a short write). The scheduler folds twice a second on every
// replica (a mark is claimed by one of them); a report folds what is left before it
// reads, so it is exact.

// foldBatch is how many marked records one fold transaction takes. A fold's write holds
// the SQLite writer, and its read a core, while applications wait: batches of 50 every
// half second, not 200 every 2 s, cut the intake's p99 at half the peak from 22.5 to 14 ms
// (docs/PERFORMANCE.md, "Issue 18, fourth and fifth sessions").
const foldBatch = 50

// FoldReports folds up to limit marked records into the report cells (in batches) and
// returns how many it folded.
func (a *App) FoldReports(ctx context.Context, limit int) (int, error) {
	total := 0
	for total < limit {
		n, err := a.foldBatch(ctx, min(foldBatch, limit-total))
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

// foldBatch folds up to limit marks in two transactions. A read transaction takes the
// oldest marks and works out each record's facts and what it contributed before — the long
// part: the cases in one statement a part for the whole batch (store CaseSources), an
// order, complaint or review by itself — without holding a lock: a write that marks one of
// those records again does not wait for it (on SQLite the reading does not hold the one
// writer). A short write transaction then claims the marks still as they were read (store
// ClaimDirty: a record's Seq only grows) and, for those only, adds the differences, stores
// the contributions and clears the marks. A record marked again meanwhile is left waiting
// for the next batch, whose facts include the change; one another folder claimed is left
// to it. The facts of a claimed mark are whole even where the read transaction is no
// snapshot (PostgreSQL reads each statement as committed at its start): every write that
// changes them marks the record in its own transaction, so one that committed after the
// mark was read has moved its seq on, and the claim skips it.
func (a *App) foldBatch(ctx context.Context, limit int) (int, error) {
	type record struct {
		facts []byte // the contribution to store
		cells []store.Cell
		also  []store.DirtyMark
	}
	type key struct{ kind, id string }
	var marks []store.DirtyMark
	work := map[key]record{}
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if marks, err = tx.DirtyMarks(ctx, limit); err != nil || len(marks) == 0 {
			return err
		}
		// Each part of the batch's records in one statement for all of them: the cases'
		// sources, the orders, then each kind's contributions.
		ids := map[string][]string{}
		for _, m := range marks {
			ids[m.Kind] = append(ids[m.Kind], m.ID)
		}
		var cases map[string]*store.CaseSource
		if len(ids["case"]) > 0 {
			if cases, err = tx.CaseSources(ctx, ids["case"]); err != nil {
				return err
			}
		}
		var orders map[string]order.Order
		if len(ids["order"]) > 0 {
			if orders, err = tx.Orders(ctx, ids["order"]); err != nil {
				return err
			}
		}
		olds := map[string]map[string][]byte{}
		for kind, ids := range ids {
			if olds[kind], err = tx.Contributions(ctx, kind, ids); err != nil {
				return err
			}
		}
		for _, m := range marks {
			var facts []analytics.Fact
			var more []store.DirtyMark
			switch m.Kind {
			case "case":
				if src := cases[m.ID]; src != nil {
					facts = analytics.CaseFacts(a.caseInput(src))
				}
			case "order":
				if o, ok := orders[m.ID]; ok {
					facts = analytics.OrderFacts(o, time.Time{})
				}
			default:
				facts, more, err = a.factsOf(ctx, tx, m.Kind, m.ID)
			}
			if err != nil {
				return fmt.Errorf("facts of %s %s: %w", m.Kind, m.ID, err)
			}
			var old []analytics.Fact
			if b, ok := olds[m.Kind][m.ID]; ok {
				if err := json.Unmarshal(b, &old); err != nil {
					return fmt.Errorf("contribution of %s %s: %w", m.Kind, m.ID, err)
				}
			}
			r := record{also: more}
			for _, c := range analytics.Diff(old, facts) {
				r.cells = append(r.cells, store.Cell(c))
			}
			if len(facts) > 0 {
				if r.facts, err = json.Marshal(facts); err != nil {
					return err
				}
			}
			work[key{m.Kind, m.ID}] = r
		}
		return nil
	})
	if err != nil || len(marks) == 0 {
		return 0, err
	}
	var n int
	err = a.store.Update(ctx, func(tx store.Tx) error {
		claimed, err := tx.ClaimDirty(ctx, marks...)
		if n = len(claimed); err != nil || n == 0 {
			return err
		}
		var cells []store.Cell
		var also []store.DirtyMark
		for _, m := range claimed {
			r := work[key{m.Kind, m.ID}]
			cells = append(cells, r.cells...)
			also = append(also, r.also...)
			if err := tx.PutContribution(ctx, m.Kind, m.ID, r.facts); err != nil {
				return err
			}
		}
		if err := tx.AddCells(ctx, cells); err != nil {
			return err
		}
		if len(also) > 0 {
			if err := tx.MarkDirty(ctx, also...); err != nil {
				return err
			}
		}
		return tx.ClearDirty(ctx, claimed...)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// factsOf derives a record's facts from what is stored of it (none when it is gone), and
// the records whose facts depend on it in turn (a complaint's case: complaints caused).
func (a *App) factsOf(ctx context.Context, tx store.Tx, kind, id string) ([]analytics.Fact, []store.DirtyMark, error) {
	switch kind {
	case "case":
		srcs, err := tx.CaseSources(ctx, []string{id})
		if err != nil {
			return nil, nil, err
		}
		if src := srcs[id]; src != nil {
			return analytics.CaseFacts(a.caseInput(src)), nil, nil
		}
		return nil, nil, nil
	case "order":
		o, err := tx.Order(ctx, id, false)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil
		} else if err != nil {
			return nil, nil, err
		}
		return analytics.OrderFacts(o, time.Time{}), nil, nil
	case "complaint":
		c, err := tx.Complaint(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil
		} else if err != nil {
			return nil, nil, err
		}
		var also []store.DirtyMark
		if c.CaseID != "" && c.About == complaint.AboutAgent {
			also = append(also, store.DirtyMark{Kind: "case", ID: c.CaseID})
		}
		return analytics.ComplaintFacts(c, analytics.DefaultThemes), also, nil
	case "review":
		r, err := tx.Review(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil
		} else if err != nil {
			return nil, nil, err
		}
		return analytics.ReviewFacts(analytics.Review{Merchant: r.Merchant, Agent: r.Agent, Done: r.State == "done", Total: r.Total, At: r.DoneAt}), nil, nil
	}
	return nil, nil, fmt.Errorf("unknown record kind %q", kind)
}

// caseInput is what a case's facts are derived from: its stored sources, and the
// service clocks as at its last activity.
func (a *App) caseInput(src *store.CaseSource) analytics.CaseInput {
	c := &src.Case
	in := analytics.CaseInput{Case: c, Categories: src.Categories, Events: src.Events, Disputes: src.Disputes,
		Entries: src.Entries}
	last := c.CreatedAt
	for _, ev := range in.Events {
		if ev.At.After(last) {
			last = ev.At
		}
	}
	for _, m := range src.Messages {
		if m.Public && staffRole(m.AuthorRole) {
			in.Replies = append(in.Replies, m.At)
		}
		if m.At.After(last) {
			last = m.At
		}
	}
	if pol, err := a.engine.ResolveVersion(c.PolicyVersion); err == nil {
		if target, _, ok := slaTarget(c, pol); ok {
			// The clocks as at the case's last activity: what is stored decides them,
			// not the moment of the fold.
			in.SLA = sla.Evaluate(c, sla.Activities(in.Events, slaMessages(src.Messages)), target, a.engine.Calendar(), last)
			in.SLAOK = true
		}
	}
	if s := src.Survey; s != nil {
		in.Survey = &analytics.Survey{Agent: s.Agent, Attitude: s.Attitude, Speed: s.Speed, Result: s.Result, At: s.At}
	}
	if c.Assignee != "" {
		in.Complaints = src.Complaints
	}
	return in
}

func staffRole(r string) bool {
	switch aftersale.Role(r) {
	case aftersale.Merchant, aftersale.Agent, aftersale.Supervisor:
		return true
	}
	return false
}

// sourceKinds are the records whose facts make the cells.
var sourceKinds = []string{"case", "order", "complaint", "review"}

// RebuildReports throws the cells away and folds every record again: what an operator
// runs after changing what the facts are (aftersales reports rebuild).
func (a *App) RebuildReports(ctx context.Context) (int, error) {
	if err := a.store.Update(ctx, func(tx store.Tx) error { return tx.ResetReports(ctx) }); err != nil {
		return 0, err
	}
	for _, kind := range sourceKinds {
		after := ""
		for {
			var keys []string
			err := a.store.Update(ctx, func(tx store.Tx) error {
				var err error
				if keys, err = tx.SourceKeys(ctx, kind, after, 1000); err != nil || len(keys) == 0 {
					return err
				}
				marks := make([]store.DirtyMark, len(keys))
				for i, k := range keys {
					marks[i] = store.DirtyMark{Kind: kind, ID: k}
				}
				return tx.MarkDirty(ctx, marks...)
			})
			if err != nil {
				return 0, err
			}
			if len(keys) == 0 {
				break
			}
			after = keys[len(keys)-1]
		}
	}
	total := 0
	for {
		n, err := a.FoldReports(ctx, 10_000)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// VerifyReports derives every record's facts from scratch and compares their sums with
// the stored cells; it returns the cells that differ (stored, then expected), none when
// the aggregates are exact. Marks still waiting are folded first.
func (a *App) VerifyReports(ctx context.Context) ([]string, error) {
	for {
		n, err := a.FoldReports(ctx, 10_000)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	var facts []analytics.Fact
	var stored []store.Cell
	err := a.store.View(ctx, func(tx store.Tx) error {
		facts = facts[:0]
		for _, kind := range sourceKinds {
			after := ""
			for {
				keys, err := tx.SourceKeys(ctx, kind, after, 1000)
				if err != nil {
					return err
				}
				if len(keys) == 0 {
					break
				}
				for _, k := range keys {
					fs, _, err := a.factsOf(ctx, tx, kind, k)
					if err != nil {
						return err
					}
					facts = append(facts, fs...)
				}
				after = keys[len(keys)-1]
			}
		}
		var err error
		stored, err = tx.AllCells(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	want := analytics.Sum(facts)
	got := make(map[analytics.Key]analytics.Cell, len(stored))
	for _, c := range stored {
		got[analytics.Cell(c).Key()] = analytics.Cell(c)
	}
	var diffs []string
	for _, w := range want {
		g, ok := got[w.Key()]
		delete(got, w.Key())
		if !ok || g.N != w.N || g.Sum != w.Sum {
			diffs = append(diffs, fmt.Sprintf("%+v: stored n=%d sum=%d, expected n=%d sum=%d", w.Key(), g.N, g.Sum, w.N, w.Sum))
		}
	}
	for k, g := range got {
		diffs = append(diffs, fmt.Sprintf("%+v: stored n=%d sum=%d, expected none", k, g.N, g.Sum))
	}
	return diffs, nil
}

// MayReadReports says whether p's role reads reports: merchants (their own), the desk and
// admins. The agents' report is the supervisors' and admins'.
func MayReadReports(p Principal, report string) error {
	switch p.Role {
	case RoleMerchant, RoleAgent:
		if report == "agents" {
			return errForbidden("客服绩效报表仅主管和管理员可看", "the agents' report is for supervisors and admins")
		}
		return nil
	case RoleSupervisor, RoleAdmin:
		return nil
	}
	return errForbidden("你的角色不能查看报表", "your role may not read reports")
}

// Report answers a report (GET /api/v1/reports/{name}): the query's figures from the
// cells, after folding what is left to fold. A merchant reads its own data only; a
// filter naming another merchant is not found.
func (a *App) Report(ctx context.Context, p Principal, name string, v url.Values) (*analytics.Result, error) {
	if _, ok := analytics.Find(name); !ok {
		return nil, errNotFound("report")
	}
	if err := MayReadReports(p, name); err != nil {
		return nil, err
	}
	q, err := analytics.ParseQuery(name, v, a.now())
	if err != nil {
		return nil, fromCore(err)
	}
	s := scopeOf(p, q.Merchant, "")
	if !s.ok {
		return nil, errNotFound("report")
	}
	q.Merchant, q.Merchants = s.merchant, s.merchants
	if err := a.foldPending(ctx); err != nil {
		return nil, err
	}
	var res *analytics.Result
	err = a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if res, err = a.runReport(ctx, tx, q); err != nil || !q.Compare {
			return err
		}
		res.Previous, err = a.runReport(ctx, tx, q.Previous())
		return err
	})
	return res, err
}

// ReportBacklog counts the changed records waiting to be folded into the reports (the
// /metrics gauge aftersales_report_backlog).
func (a *App) ReportBacklog(ctx context.Context) (n int, err error) {
	err = a.store.View(ctx, func(tx store.Tx) error {
		n, err = tx.CountDirty(ctx)
		return err
	})
	return n, err
}

// foldPending folds what waits, so that a report is exact when it is read.
func (a *App) foldPending(ctx context.Context) error {
	n, err := a.ReportBacklog(ctx)
	if err != nil || n == 0 {
		return err
	}
	_, err = a.FoldReports(ctx, n+foldBatch)
	return err
}

func (a *App) runReport(ctx context.Context, tx store.Tx, q analytics.Query) (*analytics.Result, error) {
	rowsRead, totalsRead := q.Reads()
	rows, err := a.readCells(ctx, tx, q, rowsRead)
	if err != nil {
		return nil, err
	}
	totals, err := a.readCells(ctx, tx, q, totalsRead)
	if err != nil {
		return nil, err
	}
	var tot analytics.Sums
	if len(totals) > 0 {
		tot = totals[0].Sums
	} else {
		tot = analytics.Sums{}
	}
	return q.Build(rows, tot), nil
}

// readCells sums the cells of one read and groups them by its grouped column.
func (a *App) readCells(ctx context.Context, tx store.Tx, q analytics.Query, r analytics.Read) ([]analytics.Group, error) {
	sums, err := tx.QueryCells(ctx, store.CellQuery{Dim: r.Plan.Dim, Merchant: q.Merchant, Merchants: q.Merchants,
		K1: r.Plan.K1, K2: r.Plan.K2, From: r.From, To: r.To, Metrics: r.Metrics, By: r.Plan.By})
	if err != nil {
		return nil, err
	}
	var out []analytics.Group
	index := map[string]int{}
	for _, s := range sums {
		key := ""
		if len(r.Plan.By) > 0 {
			switch r.Plan.By[0] {
			case "day":
				key = s.Day
			case "merchant":
				key = s.Merchant
			case "k1":
				key = s.K1
			case "k2":
				key = s.K2
			}
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, analytics.Group{Key: key, Sums: analytics.Sums{}})
		}
		out[i].Sums[s.Metric] = analytics.NS{N: s.N, Sum: s.Sum}
	}
	if len(r.Plan.By) == 0 && len(out) == 0 {
		out = append(out, analytics.Group{Sums: analytics.Sums{}})
	}
	return out, nil
}
