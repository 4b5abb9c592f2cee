package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// listScope is what a principal's lists may hold: the merchant and customer filters asked
// for, narrowed to what the principal sees (Principal.sees, as a query). ok is false when
// a filter asks for someone else's: the list is empty, never an error, so that it tells
// nothing of what exists.
type listScope struct {
	merchant  string
	customer  string
	merchants []string // an agent's or supervisor's merchants
	ok        bool
}

func scopeOf(p Principal, merchant, customer string) listScope {
	s := listScope{merchant: merchant, customer: customer, ok: true}
	only := func(field *string, own string) {
		if own == "" || *field != "" && *field != own {
			s.ok = false
		}
		*field = own
	}
	switch p.Role {
	case RoleCustomer:
		only(&s.customer, p.Customer)
		if p.Merchant != "" {
			// A customer who came by a merchant shop's login link sees that shop's only.
			only(&s.merchant, p.Merchant)
		}
	case RoleMerchant:
		only(&s.merchant, p.Merchant)
	case RoleIntegration:
		if p.Merchant != "" {
			only(&s.merchant, p.Merchant)
		}
	case RoleAgent, RoleSupervisor:
		if len(p.Scope) > 0 {
			if s.merchant != "" && !slices.Contains(p.Scope, s.merchant) {
				s.ok = false
			}
			s.merchants = p.Scope
		}
	case RoleAdmin:
	default:
		s.ok = false
	}
	return s
}

// ListInput selects cases (GET /api/v1/cases): the queue of the service desk and of a
// merchant, and a customer's own cases.
type ListInput struct {
	States     []aftersale.State
	Types      []aftersale.Type
	Reasons    []aftersale.Reason
	Priorities []aftersale.Priority
	Merchant   string
	Customer   string
	OrderNo    string
	// Search is what the search box holds: an RMA number, an order number, or the last
	// four digits of the customer's phone.
	Search string
	// SLA is at_risk or breached: cases with an SLA warning and no breach recorded, or a
	// breach (aftersale.Case.SLAFlag).
	SLA string
	// Assignee is the service desk's owner filter: "me", "unassigned", or a staff
	// username; Group a desk group's queue (staff only: others get nothing).
	Assignee    string
	Group       string
	CreatedFrom time.Time
	CreatedTo   time.Time
	Overdue     bool
	// Sort is created (newest first; also when empty) or deadline (the current deadline
	// soonest first, cases without one last).
	Sort   string
	Cursor string
	Limit  int
}

// slaOnTrack selects the cases with no SLA notice recorded.
const slaOnTrack = "on_track"

// maxSearch bounds the search box: an RMA or order number is far shorter.
const maxSearch = 64

func (in *ListInput) check() error {
	if in.Limit < 0 || in.Limit > 500 {
		return errInvalid("limit", "每页数量应为 1–500", "limit must be between 1 and 500")
	}
	for _, s := range in.States {
		if !s.Valid() {
			return errInvalid("state", fmt.Sprintf("未知状态 %q", s), fmt.Sprintf("unknown state %q", s))
		}
	}
	for _, t := range in.Types {
		if !t.Valid() {
			return errInvalid("type", fmt.Sprintf("未知类型 %q", t), fmt.Sprintf("unknown type %q", t))
		}
	}
	for _, r := range in.Reasons {
		if !r.Valid() {
			return errInvalid("reason", fmt.Sprintf("未知原因 %q", r), fmt.Sprintf("unknown reason %q", r))
		}
	}
	for _, pr := range in.Priorities {
		if !pr.Valid() {
			return errInvalid("priority", fmt.Sprintf("未知优先级 %q(应为 low、normal、high 或 urgent)", pr),
				fmt.Sprintf("unknown priority %q (low, normal, high or urgent)", pr))
		}
	}
	switch {
	case in.SLA != "" && in.SLA != slaOnTrack && !aftersale.SLAFlag(in.SLA).Valid():
		return errInvalid("sla", "sla 应为 on_track(正常)、at_risk(有预警)或 breached(已超时)", "sla must be on_track, at_risk or breached")
	case len(in.Assignee) > 64 || len(in.Group) > 64:
		return errInvalid("assignee", "负责人或组名过长", "the assignee or group is too long")
	case !store.CaseSort(in.Sort).Valid():
		return errInvalid("sort", "排序应为 created(最新创建在前)或 deadline(最近截止在前)",
			"sort must be created (newest first) or deadline (soonest deadline first)")
	case utf8.RuneCountInString(in.Search) > maxSearch || !utf8.ValidString(in.Search):
		return errInvalid("q", fmt.Sprintf("搜索内容最多 %d 个字符", maxSearch), fmt.Sprintf("the search is at most %d characters", maxSearch))
	}
	return nil
}

// ListCases returns one page of the cases the principal may see, newest first or by
// deadline, each with the actions the principal may take on it.
func (a *App) ListCases(ctx context.Context, p Principal, in ListInput) (*CaseList, error) {
	if err := authorize(p, opListCases, nil, ""); err != nil {
		return nil, err
	}
	in.Search = strings.TrimSpace(in.Search)
	if err := in.check(); err != nil {
		return nil, err
	}
	scope := scopeOf(p, in.Merchant, in.Customer)
	if !scope.ok {
		return &CaseList{Items: []CaseSummary{}}, nil
	}
	q := store.CaseQuery{
		Merchant: scope.merchant, Merchants: scope.merchants, Customer: scope.customer, OrderNo: in.OrderNo,
		States: in.States, Types: in.Types, Reasons: in.Reasons, Priorities: in.Priorities,
		Search: in.Search, Sort: store.CaseSort(in.Sort), Group: in.Group,
		CreatedFrom: in.CreatedFrom, CreatedTo: in.CreatedTo, Cursor: in.Cursor, Limit: in.Limit,
	}
	if in.SLA == slaOnTrack {
		q.OnTrack = true
	} else {
		q.SLA = aftersale.SLAFlag(in.SLA)
	}
	if (in.Assignee != "" || in.Group != "") && !p.staff() {
		return &CaseList{Items: []CaseSummary{}}, nil // ownership is the desk's; customers filter on nothing of it
	}
	now := a.now()
	if in.Overdue {
		q.OverdueAt = now
	}
	var out CaseList
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if q.Assignee, q.Unassigned, err = ownerFilter(ctx, tx, p, in.Assignee); err != nil {
			return err
		}
		recs, next, err := tx.ListCases(ctx, q)
		if err != nil {
			return err
		}
		out = CaseList{Items: make([]CaseSummary, 0, len(recs)), NextCursor: next}
		for i := range recs {
			s, err := a.caseSummary(p, &recs[i].Case, now)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, s)
		}
		return nil
	})
	if err != nil {
		return nil, listError(err)
	}
	return &out, nil
}

// listError is the error of a list query: a cursor the store refused is the caller's
// mistake.
func listError(err error) error {
	if errors.Is(err, store.ErrBadCursor) {
		return errInvalid("cursor", "分页游标无效:请原样传回上一页的 next_cursor,并保持相同的排序",
			"the cursor is not valid: pass back the previous page's next_cursor unchanged, with the same sort")
	}
	return fromCore(err)
}
