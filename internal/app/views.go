package app

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/privacy"
	"github.com/aftersales/aftersales/internal/sla"
	"github.com/aftersales/aftersales/internal/store"
)

// The views are the API's representation of resources (REST API v1): money in integer
// minor units with the currency beside it, times in RFC 3339. The HTTP layer encodes them
// as they are; the OpenAPI document is generated from these types.

// CaseView is a case as its parties see it.
type CaseView struct {
	ID                  string                 `json:"id"`
	Number              string                 `json:"number" jsonschema:"description=RMA number"`
	OrderNo             string                 `json:"order_no"`
	Merchant            string                 `json:"merchant"`
	Customer            string                 `json:"customer"`
	State               aftersale.State        `json:"state"`
	StateLabel          Text                   `json:"state_label"`
	Version             int64                  `json:"version"`
	Type                aftersale.Type         `json:"type"`
	Reason              aftersale.Reason       `json:"reason"`
	Currency            money.Currency         `json:"currency"`
	Items               []CaseItemView         `json:"items"`
	Description         string                 `json:"description"`
	Evidence            []string               `json:"evidence"`
	RefundMethod        aftersale.RefundMethod `json:"refund_method"`
	RefundAmount        int64                  `json:"refund_amount"`
	RefundedAmount      int64                  `json:"refunded_amount"`
	ReturnShippingPayer aftersale.Payer        `json:"return_shipping_payer"`
	AllowedActions      []aftersale.Action     `json:"allowed_actions"`
	Deadlines           []DeadlineView         `json:"deadlines"`
	Decision            DecisionView           `json:"decision"`
	History             []EventView            `json:"history"`
	ReturnShipment      *ShipmentView          `json:"return_shipment,omitempty"`
	ReturnPostage       *PostageView           `json:"return_postage,omitempty" jsonschema:"description=the customer's return postage claim when the merchant bears the postage"`
	OutboundShipment    *ShipmentView          `json:"outbound_shipment,omitempty"`
	PolicyVersion       string                 `json:"policy_version"`
	Priority            aftersale.Priority     `json:"priority"`
	Tier                int                    `json:"tier"`
	// Assignee is the staff username who owns the case (专人负责), Group the desk group's
	// queue it sits in; staff see them, customers do not.
	Assignee  string       `json:"assignee" jsonschema:"description=the staff username who owns the case; empty while nobody does (and for customers)"`
	Group     string       `json:"group,omitempty"`
	SLA       *SLAView     `json:"sla,omitempty"`
	Contact   *ContactView `json:"contact,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// ContactView is how to reach the customer of a case. The customer and the merchant who
// must ship to them see it in full; everyone else sees it masked (138****1234).
type ContactView struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	Masked  bool   `json:"masked"`
}

func contactView(p Principal, c *aftersale.Case, cu store.Customer) *ContactView {
	v := &ContactView{Name: cu.Name, Phone: cu.Phone, Address: cu.Address}
	full := p.Role == RoleCustomer && p.Customer == c.CustomerID || p.Role == RoleMerchant && p.Merchant == c.MerchantID
	if !full {
		v.Name, v.Phone, v.Address, v.Masked = privacy.Name(v.Name), privacy.Phone(v.Phone), privacy.Address(v.Address), true
	}
	return v
}

// SLAView is the state of a case's service-desk clocks (SPEC §6): on track, at risk,
// breached (or met, paused) and the time left.
type SLAView struct {
	Status sla.Status     `json:"status" jsonschema:"enum=on_track,enum=at_risk,enum=breached,enum=met,enum=paused,enum=none"`
	Target string         `json:"target"`
	Clocks []SLAClockView `json:"clocks"`
}

// SLAClockView is one clock: first response, next update or resolution.
type SLAClockView struct {
	Kind             sla.Kind   `json:"kind" jsonschema:"enum=first_response,enum=next_update,enum=resolution"`
	Status           sla.Status `json:"status" jsonschema:"enum=on_track,enum=at_risk,enum=breached,enum=met,enum=paused,enum=none"`
	Target           string     `json:"target" jsonschema:"description=a span: 24h or 8bh (business hours)"`
	RemainingSeconds int64      `json:"remaining_seconds" jsonschema:"description=negative once breached"`
	StartedAt        time.Time  `json:"started_at"`
	StoppedAt        *time.Time `json:"stopped_at,omitempty"`
	DueAt            *time.Time `json:"due_at,omitempty"`
}

func slaView(r sla.Report, target string) *SLAView {
	v := &SLAView{Status: r.Status, Target: target, Clocks: []SLAClockView{}}
	for _, c := range r.Clocks {
		v.Clocks = append(v.Clocks, SLAClockView{Kind: c.Kind, Status: c.Status, Target: c.Target.String(),
			RemainingSeconds: int64(c.Remaining / time.Second), StartedAt: c.StartedAt,
			StoppedAt: optTime(c.StoppedAt), DueAt: optTime(c.DueAt)})
	}
	return v
}

// CaseItemView is a line of a case.
type CaseItemView struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PaidAmount int64  `json:"paid_amount"`
}

// DeadlineView is a clock running on a case.
type DeadlineView struct {
	Kind  aftersale.DeadlineKind `json:"kind"`
	Label Text                   `json:"label"`
	DueAt time.Time              `json:"due_at"`
}

// PostageView is the account of a customer's return postage that the merchant repays, in
// minor units: the claim, the policy's cap for the parcel, what the merchant took off at
// receipt and why, the most they may take off, and what is due.
type PostageView struct {
	Claimed      int64  `json:"claimed"`
	Cap          int64  `json:"cap" jsonschema:"description=the most repaid for this parcel (the carrier's first-weight rate)"`
	Reduction    int64  `json:"reduction"`
	Reason       string `json:"reason,omitempty"`
	MaxReduction int64  `json:"max_reduction" jsonschema:"description=the most the merchant may take off at receipt (postage_reduction)"`
	Due          int64  `json:"due" jsonschema:"description=min(claimed\\, cap) − reduction"`
	Reimbursed   bool   `json:"reimbursed"`
}

func postageView(c *aftersale.Case, p aftersale.Policy) *PostageView {
	acct, ok := aftersale.ReturnPostage(c, p)
	if !ok {
		return nil
	}
	return &PostageView{Claimed: acct.Claimed.Minor, Cap: acct.Cap.Minor, Reduction: acct.Reduction.Minor, Reason: acct.Reason,
		MaxReduction: acct.MaxReduce.Minor, Due: acct.Due.Minor, Reimbursed: acct.Reimbursed}
}

// ShipmentView is a parcel.
type ShipmentView struct {
	Carrier    string    `json:"carrier"`
	TrackingNo string    `json:"tracking_no"`
	At         time.Time `json:"at"`
	// DeliveredAt: the carrier reported an outbound parcel delivered.
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// ActorView is who acted.
type ActorView struct {
	Role aftersale.Role `json:"role"`
	ID   string         `json:"id,omitempty"`
}

// EventView is one history entry.
type EventView struct {
	Seq    int64             `json:"seq"`
	Action aftersale.Action  `json:"action"`
	Actor  ActorView         `json:"actor"`
	From   aftersale.State   `json:"from,omitempty"`
	To     aftersale.State   `json:"to"`
	At     time.Time         `json:"at"`
	Note   string            `json:"note,omitempty"`
	Data   map[string]string `json:"data,omitempty"`
}

// DecisionView is the policy's decision: at application (on a case) or as a dry run.
type DecisionView struct {
	Eligible            bool                  `json:"eligible"`
	Rules               []policy.Hit          `json:"rules"`
	Refusals            []policy.Refusal      `json:"refusals,omitempty"`
	Items               []DecisionItemView    `json:"items"`
	ReturnShippingPayer aftersale.Payer       `json:"return_shipping_payer"`
	Currency            money.Currency        `json:"currency" jsonschema:"description=of every amount of the decision"`
	ItemsPaid           int64                 `json:"items_paid"`
	ShippingRefund      int64                 `json:"shipping_refund"`
	Deductions          int64                 `json:"deductions"`
	RefundAmount        int64                 `json:"refund_amount"`
	InWarranty          bool                  `json:"in_warranty"`
	AutoApprove         bool                  `json:"auto_approve"`
	Deadlines           []policy.DeadlineTerm `json:"deadlines"`
	Explanation         Text                  `json:"explanation"`
	PolicyVersion       string                `json:"policy_version"`
}

// DecisionItemView is the decision for one line.
type DecisionItemView struct {
	SKU        string     `json:"sku"`
	Quantity   int        `json:"quantity"`
	PaidAmount int64      `json:"paid_amount"`
	Refund     int64      `json:"refund"`
	Eligible   bool       `json:"eligible"`
	Window     string     `json:"window,omitempty"`
	ApplyBy    *time.Time `json:"apply_by,omitempty"`
}

// NewDecisionView renders a policy decision as the API shows it, e.g. the decision an
// application was refused with (Error.Decision).
func NewDecisionView(d *policy.Decision) DecisionView { return decisionView(d) }

func decisionView(d *policy.Decision) DecisionView {
	v := DecisionView{
		Eligible: d.Eligible, Rules: d.Rules, Refusals: d.Refusals, ReturnShippingPayer: d.ReturnShippingPayer,
		Currency: d.ItemsPaid.Currency, ItemsPaid: d.ItemsPaid.Minor, ShippingRefund: d.ShippingRefund.Minor, Deductions: d.Deductions.Minor,
		RefundAmount: d.RefundAmount.Minor, InWarranty: d.InWarranty, AutoApprove: d.AutoApprove,
		Deadlines: d.Deadlines, Explanation: d.Explanation, PolicyVersion: d.PolicyVersion,
	}
	if v.Rules == nil {
		v.Rules = []policy.Hit{}
	}
	for _, it := range d.Items {
		v.Items = append(v.Items, DecisionItemView{SKU: it.SKU, Quantity: it.Quantity, PaidAmount: it.PaidAmount.Minor,
			Refund: it.Refund.Minor, Eligible: it.Eligible, Window: it.Window, ApplyBy: it.ApplyBy})
	}
	return v
}

func shipmentView(s *aftersale.Shipment) *ShipmentView {
	if s == nil {
		return nil
	}
	return &ShipmentView{Carrier: s.Carrier, TrackingNo: s.TrackingNo, At: s.At, DeliveredAt: optTime(s.DeliveredAt)}
}

// caseView renders a case for a principal: the allowed actions are the principal's own.
func (a *App) caseView(p Principal, rec *store.CaseRecord, events []aftersale.Event) (*CaseView, error) {
	c := &rec.Case
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return nil, err
	}
	v := &CaseView{
		ID: c.ID, Number: c.Number, OrderNo: c.OrderNo, Merchant: c.MerchantID, Customer: c.CustomerID,
		State: c.State, StateLabel: c.State.Label(), Version: c.Version, Type: c.Type, Reason: c.Reason,
		Currency: c.ItemsPaid.Currency, Description: c.Description, RefundMethod: c.RefundMethod,
		RefundAmount: c.RefundAmount.Minor, RefundedAmount: c.RefundedAmount.Minor,
		ReturnShippingPayer: c.ReturnShippingPayer, PolicyVersion: c.PolicyVersion,
		ReturnShipment: shipmentView(c.ReturnShipment), OutboundShipment: shipmentView(c.OutboundShipment),
		Priority: c.Priority, Tier: c.Tier, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		AllowedActions: []aftersale.Action{}, Deadlines: []DeadlineView{}, History: []EventView{}, Evidence: []string{},
	}
	v.ReturnPostage = postageView(c, pol)
	if p.staff() {
		v.Assignee, v.Group = c.Assignee, c.Group
	}
	for _, it := range c.Items {
		v.Items = append(v.Items, CaseItemView{SKU: it.SKU, Quantity: it.Quantity, PaidAmount: it.PaidAmount.Minor})
	}
	for _, e := range c.Evidence {
		v.Evidence = append(v.Evidence, e.ID)
	}
	if allowed := allowedActions(p, c, pol, a.now()); allowed != nil {
		v.AllowedActions = allowed
	}
	for _, d := range c.Deadlines {
		v.Deadlines = append(v.Deadlines, DeadlineView{Kind: d.Kind, Label: d.Kind.Label(), DueAt: d.Due})
	}
	var d policy.Decision
	if err := json.Unmarshal(rec.Decision, &d); err != nil {
		return nil, err
	}
	v.Decision = decisionView(&d)
	for _, e := range events {
		if !p.staff() && (slices.Contains(aftersale.OwnerActions, e.Action) || e.Action == aftersale.TriageUrgent) {
			continue // who inside the desk holds the case is the desk's business
		}
		v.History = append(v.History, EventView{Seq: e.Seq, Action: e.Action, Actor: ActorView{Role: e.Actor.Role, ID: e.Actor.ID},
			From: e.From, To: e.To, At: e.At, Note: e.Note, Data: e.Data})
	}
	return v, nil
}

// CaseSummary is a case in a list, with the actions the caller may take on it (as the
// case's own view has them) and what the service desk sorts and filters on.
type CaseSummary struct {
	ID             string                 `json:"id"`
	Number         string                 `json:"number"`
	OrderNo        string                 `json:"order_no"`
	Merchant       string                 `json:"merchant"`
	Customer       string                 `json:"customer"`
	Type           aftersale.Type         `json:"type"`
	Reason         aftersale.Reason       `json:"reason"`
	State          aftersale.State        `json:"state"`
	StateLabel     Text                   `json:"state_label"`
	Version        int64                  `json:"version"`
	Currency       money.Currency         `json:"currency"`
	RefundAmount   int64                  `json:"refund_amount"`
	RefundedAmount int64                  `json:"refunded_amount"`
	Deadlines      []DeadlineView         `json:"deadlines"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
	RefundMethod   aftersale.RefundMethod `json:"refund_method"`
	AllowedActions []aftersale.Action     `json:"allowed_actions"`
	Priority       aftersale.Priority     `json:"priority"`
	SLA            string                 `json:"sla" jsonschema:"enum=,enum=at_risk,enum=breached,description=the gravest SLA notice recorded: at_risk (a warning) or breached; empty when none"`
	Tier           int                    `json:"tier"`
	Assignee       string                 `json:"assignee" jsonschema:"description=the staff username who owns the case; empty while nobody does (and for customers)"`
	Group          string                 `json:"group,omitempty"`
}

// CaseList is one page of cases.
type CaseList struct {
	Items      []CaseSummary `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// caseSummary renders a case in a list for p at now: its allowed actions are those its
// view (caseView) would show.
func (a *App) caseSummary(p Principal, c *aftersale.Case, now time.Time) (CaseSummary, error) {
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return CaseSummary{}, err
	}
	s := CaseSummary{
		ID: c.ID, Number: c.Number, OrderNo: c.OrderNo, Merchant: c.MerchantID, Customer: c.CustomerID,
		Type: c.Type, Reason: c.Reason, State: c.State, StateLabel: c.State.Label(), Version: c.Version,
		Currency: c.ItemsPaid.Currency, RefundAmount: c.RefundAmount.Minor, RefundedAmount: c.RefundedAmount.Minor,
		Deadlines: []DeadlineView{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, RefundMethod: c.RefundMethod,
		AllowedActions: []aftersale.Action{}, Priority: c.Priority, SLA: string(c.SLAFlag()), Tier: c.Tier,
	}
	if allowed := allowedActions(p, c, pol, now); allowed != nil {
		s.AllowedActions = allowed
	}
	if p.staff() {
		s.Assignee, s.Group = c.Assignee, c.Group
	}
	for _, d := range c.Deadlines {
		s.Deadlines = append(s.Deadlines, DeadlineView{Kind: d.Kind, Label: d.Kind.Label(), DueAt: d.Due})
	}
	return s, nil
}

// OrderView is an order with what after-sales holds of each line.
type OrderView struct {
	OrderNo          string          `json:"order_no"`
	Merchant         string          `json:"merchant"`
	Customer         string          `json:"customer"`
	Currency         money.Currency  `json:"currency"`
	PaymentMethod    string          `json:"payment_method"`
	ShippingFee      int64           `json:"shipping_fee"`
	FreightInsurance bool            `json:"freight_insurance"`
	PaidAt           time.Time       `json:"paid_at"`
	ShippedAt        *time.Time      `json:"shipped_at,omitempty"`
	DeliveredAt      *time.Time      `json:"delivered_at,omitempty"`
	CompletedAt      *time.Time      `json:"completed_at,omitempty"`
	Items            []OrderItemView `json:"items"`
}

// OrderItemView is an order line.
type OrderItemView struct {
	SKU        string   `json:"sku"`
	Title      string   `json:"title"`
	Category   string   `json:"category"`
	Quantity   int      `json:"quantity"`
	UnitPrice  int64    `json:"unit_price"`
	PaidAmount int64    `json:"paid_amount"`
	Tags       []string `json:"tags"`
	Claimed    int      `json:"claimed"`
	Refunded   int64    `json:"refunded"`
	Reserved   int64    `json:"reserved"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func orderView(o *order.Order) *OrderView {
	v := &OrderView{
		OrderNo: o.No, Merchant: o.Merchant, Customer: o.Customer, Currency: o.Currency,
		PaymentMethod: string(o.PaymentMethod), ShippingFee: o.ShippingFee.Minor, FreightInsurance: o.FreightInsurance,
		PaidAt: o.PaidAt, ShippedAt: optTime(o.ShippedAt), DeliveredAt: optTime(o.DeliveredAt), CompletedAt: optTime(o.CompletedAt),
	}
	for _, it := range o.Items {
		tags := it.Tags
		if tags == nil {
			tags = []string{}
		}
		v.Items = append(v.Items, OrderItemView{SKU: it.SKU, Title: it.Title, Category: it.Category, Quantity: it.Quantity,
			UnitPrice: it.UnitPrice.Minor, PaidAmount: it.PaidAmount.Minor, Tags: tags,
			Claimed: it.Claimed, Refunded: it.Refunded.Minor, Reserved: it.Reserved.Minor})
	}
	return v
}
