// Package aftersale is the after-sales case (售后单) and its life cycle: the six case types,
// reason codes, states, actions, the roles that may take each action, and one transition
// function that decides every change. It is pure: no I/O, time passed in.
//
// The life cycle is a table (see table.go): state × action → the roles allowed, the case
// types it applies to, a guard, and the next state. The same table answers which actions are
// legal now, drives Transition, generates the state diagrams in docs/, and is what the
// property tests walk.
package aftersale

import (
	"fmt"
	"slices"
)

// Text is a user-facing string in both product languages.
type Text struct {
	ZH string `json:"zh" yaml:"zh"`
	EN string `json:"en" yaml:"en"`
}

// In returns the text in locale ("zh" or "en"; anything else is English).
func (t Text) In(locale string) string {
	if locale == "zh" {
		return t.ZH
	}
	return t.EN
}

// Type is what the customer asks for.
type Type string

// The six case types of SPEC §2.
const (
	RefundOnly   Type = "refund_only"   // 仅退款: not shipped, not received, lost, missing, price protection
	ReturnRefund Type = "return_refund" // 退货退款: goods come back, money goes out
	Exchange     Type = "exchange"      // 换货: goods come back, a replacement goes out
	Repair       Type = "repair"        // 维修: free in warranty, by quote outside it
	Reship       Type = "reship"        // 补发: missing parts, lost or damaged parcel
	Compensation Type = "compensation"  // 补偿: partial refund for a defect the customer keeps
)

// Types lists every case type in a stable order.
var Types = []Type{RefundOnly, ReturnRefund, Exchange, Repair, Reship, Compensation}

var typeLabels = map[Type]Text{
	RefundOnly:   {"仅退款", "Refund only"},
	ReturnRefund: {"退货退款", "Return and refund"},
	Exchange:     {"换货", "Exchange"},
	Repair:       {"维修", "Repair"},
	Reship:       {"补发", "Reship"},
	Compensation: {"补偿", "Compensation"},
}

// Valid reports whether t is one of the six types.
func (t Type) Valid() bool { _, ok := typeLabels[t]; return ok }

// Label is the type's name for people.
func (t Type) Label() Text { return typeLabels[t] }

// ReturnsGoods reports whether the customer sends goods back in this type of case.
func (t Type) ReturnsGoods() bool { return t == ReturnRefund || t == Exchange || t == Repair }

// RefundsMoney reports whether this type of case exists to pay money back.
func (t Type) RefundsMoney() bool { return t == RefundOnly || t == ReturnRefund || t == Compensation }

// Reason is why the customer asks (SPEC §2), a fixed code list with localized labels.
// Admins may register more codes with RegisterReason.
type Reason string

// The built-in reason codes.
const (
	QualityDefect    Reason = "quality_defect"
	NotAsDescribed   Reason = "not_as_described"
	WrongItem        Reason = "wrong_item"
	DamagedInTransit Reason = "damaged_in_transit"
	MissingParts     Reason = "missing_parts"
	SizeFit          Reason = "size_fit"
	NoReason         Reason = "no_reason"
	NotReceived      Reason = "not_received"
	LostParcel       Reason = "lost_parcel"
	AbnormalSignoff  Reason = "abnormal_signoff"
	ChangedMind      Reason = "changed_mind"
	OutOfStock       Reason = "out_of_stock"
	PriceProtection  Reason = "price_protection"
	// ProductRecall is a case a recall plan (应急预案, package plan) opens for a recalled
	// product; the seller's fault, so the merchant pays the return shipping.
	ProductRecall Reason = "recall"
	OtherReason   Reason = "other"
)

// ReasonInfo describes a reason code.
type ReasonInfo struct {
	Code  Reason `json:"code" yaml:"code"`
	Label Text   `json:"label" yaml:"label"`
	// MerchantFault is true when the reason puts the fault on the merchant's side (quality,
	// description, wrong item, transit damage, missing parts): the merchant pays shipping.
	MerchantFault bool `json:"merchant_fault" yaml:"merchant_fault"`
}

var reasons = []ReasonInfo{
	{QualityDefect, Text{"质量问题", "Quality defect"}, true},
	{NotAsDescribed, Text{"与描述不符", "Not as described"}, true},
	{WrongItem, Text{"发错货", "Wrong item"}, true},
	{DamagedInTransit, Text{"运输途中损坏", "Damaged in transit"}, true},
	{MissingParts, Text{"少件/缺少配件", "Missing parts or accessories"}, true},
	{SizeFit, Text{"尺码不合适", "Size or fit"}, false},
	{NoReason, Text{"七天无理由", "No reason (7-day)"}, false},
	{NotReceived, Text{"未收到货/配送延误", "Not received or delivery delay"}, false},
	{LostParcel, Text{"快递丢件", "Lost parcel"}, true},
	{AbnormalSignoff, Text{"签收未收到", "Signed for but not received"}, false},
	{ChangedMind, Text{"不想要了", "Changed mind"}, false},
	{OutOfStock, Text{"缺货", "Out of stock"}, true},
	{PriceProtection, Text{"价格保护", "Price protection"}, false},
	{ProductRecall, Text{"商品召回", "Product recall"}, true},
	{OtherReason, Text{"其他", "Other"}, false},
}

var reasonIndex = func() map[Reason]int {
	m := make(map[Reason]int, len(reasons))
	for i, r := range reasons {
		m[r.Code] = i
	}
	return m
}()

// Reasons returns every known reason code in a stable order.
func Reasons() []ReasonInfo { return append([]ReasonInfo(nil), reasons...) }

// RegisterReason adds an admin-defined reason code. It is meant for start-up, before any
// concurrent use; registering an existing code is an error.
func RegisterReason(info ReasonInfo) error {
	if info.Code == "" || info.Label.ZH == "" || info.Label.EN == "" {
		return fmt.Errorf("a reason needs a code and labels in zh and en")
	}
	if _, ok := reasonIndex[info.Code]; ok {
		return fmt.Errorf("reason %q already exists", info.Code)
	}
	reasonIndex[info.Code] = len(reasons)
	reasons = append(reasons, info)
	return nil
}

// Valid reports whether r is a known reason code.
func (r Reason) Valid() bool { _, ok := reasonIndex[r]; return ok }

// Info returns the reason's description.
func (r Reason) Info() ReasonInfo {
	if i, ok := reasonIndex[r]; ok {
		return reasons[i]
	}
	return ReasonInfo{Code: r, Label: Text{string(r), string(r)}}
}

// Role is who acts on a case.
type Role string

// The roles of SPEC's role table that act on cases. Integrations (carriers, the shop
// system) act as System when their events drive the life cycle.
const (
	Customer   Role = "customer"
	Merchant   Role = "merchant"
	Agent      Role = "agent"
	Supervisor Role = "supervisor"
	System     Role = "system"
)

// Roles lists the roles in a stable order.
var Roles = []Role{Customer, Merchant, Agent, Supervisor, System}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// RefundMethod is where refunded money goes.
type RefundMethod string

// Refund methods of SPEC §2.
const (
	RefundOriginal RefundMethod = "original"  // 原路退回
	RefundBalance  RefundMethod = "balance"   // 余额
	RefundBankCard RefundMethod = "bank_card" // 银行卡
)

// Valid reports whether m is a known refund method.
func (m RefundMethod) Valid() bool {
	return m == RefundOriginal || m == RefundBalance || m == RefundBankCard
}

// Payer is who pays the return shipping.
type Payer string

// Return-shipping payers.
const (
	PayerCustomer  Payer = "customer"
	PayerMerchant  Payer = "merchant"
	PayerInsurance Payer = "insurance" // 运费险: the order's freight insurance covers it
	PayerNone      Payer = "none"      // no goods travel back
)

// Inspection is the merchant's finding on returned goods.
type Inspection string

// Inspection results.
const (
	InspectionPass Inspection = "pass"
	InspectionFail Inspection = "fail"
)

// Finding is what a failed inspection found, for the abuse risk score (package risk)
// and the people who read the history: an empty box or a swapped item is fraud, the rest
// is wear the customer caused.
type Finding string

// Findings of a failed inspection.
const (
	FindingEmptyBox     Finding = "empty_box"     // 空包: the parcel came back empty
	FindingSwapped      Finding = "swapped_item"  // 调包: another item than the one sold
	FindingDamaged      Finding = "damaged"       // 人为损坏
	FindingUsed         Finding = "used"          // 已使用、影响二次销售
	FindingMissingParts Finding = "missing_parts" // 缺少配件或赠品
	FindingOther        Finding = "other"
)

var findingLabels = []struct {
	f     Finding
	label Text
}{
	{FindingEmptyBox, Text{"空包(退回的包裹是空的)", "Empty box"}},
	{FindingSwapped, Text{"调包(退回的不是所售商品)", "Swapped item"}},
	{FindingDamaged, Text{"人为损坏", "Damaged by use"}},
	{FindingUsed, Text{"已使用,影响二次销售", "Used, cannot be resold"}},
	{FindingMissingParts, Text{"缺少配件或赠品", "Missing parts or gifts"}},
	{FindingOther, Text{"其他", "Other"}},
}

// Findings lists the findings in the order a form offers them.
func Findings() []Finding {
	out := make([]Finding, len(findingLabels))
	for i, x := range findingLabels {
		out[i] = x.f
	}
	return out
}

// Valid reports whether f is a known finding.
func (f Finding) Valid() bool { return slices.Contains(Findings(), f) }

// Label is the finding's name for people.
func (f Finding) Label() Text {
	for _, x := range findingLabels {
		if x.f == f {
			return x.label
		}
	}
	return Text{string(f), string(f)}
}
