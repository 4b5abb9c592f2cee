package aftersale

// State is where a case stands in its life cycle.
type State string

// The states of SPEC §4. Each waiting state has one deadline kind (see DeadlineKindOf);
// Completed and Closed are terminal.
const (
	Requested        State = "requested"         // 待商家处理: the merchant must answer
	InfoRequested    State = "info_requested"    // 待补充资料: the merchant asked for more information
	Rejected         State = "rejected"          // 已拒绝: the customer may re-apply, escalate or give up
	Approved         State = "approved"          // 待买家退货: the customer must ship the goods back
	Returning        State = "returning"         // 退货在途: goods on their way back
	ReturnDelivered  State = "return_delivered"  // 退货已送达: delivered to the merchant, not yet confirmed
	InspectionFailed State = "inspection_failed" // 验货不通过
	Refunding        State = "refunding"         // 待退款: money is due
	ExchangePending  State = "exchange_pending"  // 待发换货: the replacement must go out
	Repairing        State = "repairing"         // 维修中
	Quoted           State = "quoted"            // 待确认报价: out-of-warranty repair quote
	RepairChoice     State = "repair_choice"     // 待选择: repairs failed, exchange or return
	Reshipping       State = "reshipping"        // 待补发
	Offered          State = "offered"           // 待确认补偿: compensation offered
	Resolved         State = "resolved"          // 待买家确认: the solution was delivered
	Disputed         State = "disputed"          // 平台介入: the platform steps in
	Completed        State = "completed"         // 已完成
	Closed           State = "closed"            // 已关闭: cancelled, timed out or ruled against
)

// States lists every state in life-cycle order.
var States = []State{
	Requested, InfoRequested, Rejected, Approved, Returning, ReturnDelivered,
	InspectionFailed, Refunding, ExchangePending, Repairing, Quoted, RepairChoice,
	Reshipping, Offered, Resolved, Disputed, Completed, Closed,
}

var stateLabels = map[State]Text{
	Requested:        {"待商家处理", "Awaiting merchant"},
	InfoRequested:    {"待补充资料", "More information requested"},
	Rejected:         {"商家已拒绝", "Rejected by merchant"},
	Approved:         {"待买家退货", "Awaiting return shipment"},
	Returning:        {"退货在途", "Return in transit"},
	ReturnDelivered:  {"退货已送达", "Return delivered"},
	InspectionFailed: {"验货不通过", "Inspection failed"},
	Refunding:        {"待退款", "Refund due"},
	ExchangePending:  {"待发出换货", "Replacement to ship"},
	Repairing:        {"维修中", "Under repair"},
	Quoted:           {"待确认维修报价", "Repair quote to accept"},
	RepairChoice:     {"待选择换货或退货", "Choose exchange or return"},
	Reshipping:       {"待补发", "Reship due"},
	Offered:          {"待确认补偿方案", "Compensation offer to accept"},
	Resolved:         {"待买家确认", "Awaiting customer confirmation"},
	Disputed:         {"平台介入中", "Platform intervention"},
	Completed:        {"已完成", "Completed"},
	Closed:           {"已关闭", "Closed"},
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { _, ok := stateLabels[s]; return ok }

// Label is the state's name for people.
func (s State) Label() Text { return stateLabels[s] }

// Terminal reports whether nothing more can happen to a case in state s.
func (s State) Terminal() bool { return s == Completed || s == Closed }

// DeadlineKind names a deadline; policies give each kind its length.
type DeadlineKind string

// The deadline of every waiting state. Disputed has none yet: the dispute process sets its
// own clocks.
const (
	MerchantResponse     DeadlineKind = "merchant_response"
	CustomerInfo         DeadlineKind = "customer_info"
	CustomerReapply      DeadlineKind = "customer_reapply"
	CustomerShipBack     DeadlineKind = "customer_ship_back"
	MerchantReceipt      DeadlineKind = "merchant_receipt"
	MerchantInspection   DeadlineKind = "merchant_inspection"
	CustomerAppeal       DeadlineKind = "customer_appeal"
	MerchantRefund       DeadlineKind = "merchant_refund"
	MerchantShipExchange DeadlineKind = "merchant_ship_exchange"
	MerchantRepair       DeadlineKind = "merchant_repair"
	CustomerQuote        DeadlineKind = "customer_quote"
	CustomerRepairChoice DeadlineKind = "customer_repair_choice"
	MerchantReship       DeadlineKind = "merchant_reship"
	CustomerOffer        DeadlineKind = "customer_offer"
	CustomerConfirm      DeadlineKind = "customer_confirm"
)

var stateDeadline = map[State]DeadlineKind{
	Requested:        MerchantResponse,
	InfoRequested:    CustomerInfo,
	Rejected:         CustomerReapply,
	Approved:         CustomerShipBack,
	Returning:        MerchantReceipt,
	ReturnDelivered:  MerchantInspection,
	InspectionFailed: CustomerAppeal,
	Refunding:        MerchantRefund,
	ExchangePending:  MerchantShipExchange,
	Repairing:        MerchantRepair,
	Quoted:           CustomerQuote,
	RepairChoice:     CustomerRepairChoice,
	Reshipping:       MerchantReship,
	Offered:          CustomerOffer,
	Resolved:         CustomerConfirm,
}

// DeadlineKinds lists every deadline kind in life-cycle order.
func DeadlineKinds() []DeadlineKind {
	var ks []DeadlineKind
	for _, s := range States {
		if k, ok := stateDeadline[s]; ok {
			ks = append(ks, k)
		}
	}
	return ks
}

// DeadlineKindOf returns the deadline that runs while a case waits in state s.
func DeadlineKindOf(s State) (DeadlineKind, bool) {
	k, ok := stateDeadline[s]
	return k, ok
}

var deadlineLabels = map[DeadlineKind]Text{
	MerchantResponse:     {"商家处理时限", "Merchant response"},
	CustomerInfo:         {"买家补充资料时限", "Customer to add information"},
	CustomerReapply:      {"买家再次申请或申请介入时限", "Customer to re-apply or escalate"},
	CustomerShipBack:     {"买家退货时限", "Customer to ship back"},
	MerchantReceipt:      {"商家确认收货时限", "Merchant to confirm receipt"},
	MerchantInspection:   {"商家验货时限", "Merchant to inspect"},
	CustomerAppeal:       {"买家申诉时限", "Customer to appeal"},
	MerchantRefund:       {"退款时限", "Refund due"},
	MerchantShipExchange: {"换货发出时限", "Replacement to ship"},
	MerchantRepair:       {"维修时限", "Repair due"},
	CustomerQuote:        {"买家确认报价时限", "Customer to answer the quote"},
	CustomerRepairChoice: {"买家选择换货或退货时限", "Customer to choose exchange or return"},
	MerchantReship:       {"补发时限", "Reship due"},
	CustomerOffer:        {"买家确认补偿时限", "Customer to answer the offer"},
	CustomerConfirm:      {"买家确认时限", "Customer to confirm"},
}

// Label is the deadline's name for people.
func (k DeadlineKind) Label() Text { return deadlineLabels[k] }

// Valid reports whether k is a known deadline kind.
func (k DeadlineKind) Valid() bool { _, ok := deadlineLabels[k]; return ok }

// Action is something an actor does to a case. The names are the API's (issue #3).
type Action string

// The actions. Timeouts are ordinary actions taken by System.
const (
	Apply       Action = "apply" // opens the case; only Open uses it
	Approve     Action = "approve"
	Reject      Action = "reject"
	RequestInfo Action = "request_info"
	ProvideInfo Action = "provide_info"
	Reapply     Action = "reapply"
	ShipBack    Action = "ship_back"
	Deliver     Action = "deliver" // the return parcel reached the merchant (carrier event or customer)
	// OutboundDelivered: the parcel of the solution (exchange, repaired item, reship)
	// reached the customer; the customer's confirmation clock starts again from it.
	OutboundDelivered Action = "outbound_delivered"
	ConfirmReceipt    Action = "confirm_receipt"
	Refund            Action = "refund"
	ShipExchange      Action = "ship_exchange"
	Quote             Action = "quote"
	AcceptQuote       Action = "accept_quote"
	DeclineQuote      Action = "decline_quote"
	RepairDone        Action = "repair_done"
	RepairFailed      Action = "repair_failed"
	ChooseExchange    Action = "choose_exchange"
	ChooseReturn      Action = "choose_return"
	ShipReship        Action = "reship"
	Offer             Action = "offer"
	AcceptOffer       Action = "accept_offer"
	DeclineOffer      Action = "decline_offer"
	Confirm           Action = "confirm"
	Cancel            Action = "cancel"
	Escalate          Action = "escalate"
	Close             Action = "close" // System closes a case whose customer stayed silent
	// AdvancePay is the platform paying the customer first in a dispute (先行赔付); the
	// merchant owes it back. Package dispute decides it; the case records the money.
	AdvancePay Action = "advance"

	// Records that change no state: the service desk's clocks (see Record).
	SLAWarning Action = "sla_warning"
	SLABreach  Action = "sla_breach"
	// Records of the service desk's ownership (package desk decides them): a case given
	// to a person or a group's queue, handed over with a note, taken from a queue.
	AssignOwner   Action = "assign"
	TransferOwner Action = "transfer"
	TakeOwner     Action = "take"
	// TriageUrgent records that smart triage found a safety word (起火, 漏电 …) in the
	// customer's message: the case goes to priority urgent, before anyone reads it.
	TriageUrgent Action = "triage_urgent"
)

// OwnerActions are the ownership records, asked for like actions
// (POST /api/v1/cases/{id}/actions) but decided by the service desk, not the table.
var OwnerActions = []Action{AssignOwner, TransferOwner, TakeOwner}

var actionLabels = map[Action]Text{
	Apply:             {"提交申请", "Apply"},
	Approve:           {"同意", "Approve"},
	Reject:            {"拒绝", "Reject"},
	RequestInfo:       {"要求补充资料", "Request information"},
	ProvideInfo:       {"补充资料", "Provide information"},
	Reapply:           {"再次申请", "Re-apply"},
	ShipBack:          {"寄回商品", "Ship back"},
	Deliver:           {"退货送达", "Return delivered"},
	OutboundDelivered: {"商家发出的包裹已送达", "Outbound parcel delivered"},
	ConfirmReceipt:    {"确认收货并验货", "Confirm receipt and inspect"},
	Refund:            {"退款", "Refund"},
	ShipExchange:      {"发出换货", "Ship replacement"},
	Quote:             {"维修报价", "Quote for repair"},
	AcceptQuote:       {"接受报价", "Accept quote"},
	DeclineQuote:      {"拒绝报价", "Decline quote"},
	RepairDone:        {"维修完成", "Repair done"},
	RepairFailed:      {"维修失败", "Repair failed"},
	ChooseExchange:    {"选择换货", "Choose exchange"},
	ChooseReturn:      {"选择退货", "Choose return"},
	ShipReship:        {"补发", "Reship"},
	Offer:             {"提出补偿方案", "Offer compensation"},
	AcceptOffer:       {"接受补偿", "Accept offer"},
	DeclineOffer:      {"拒绝补偿", "Decline offer"},
	Confirm:           {"确认完成", "Confirm"},
	Cancel:            {"撤销申请", "Cancel"},
	Escalate:          {"申请平台介入", "Escalate to platform"},
	Close:             {"关闭", "Close"},
	AdvancePay:        {"先行赔付", "Advance payment"},
	SLAWarning:        {"服务时效预警", "SLA warning"},
	SLABreach:         {"服务时效超时", "SLA breach"},
	AssignOwner:       {"分配负责人", "Assign"},
	TransferOwner:     {"转交", "Transfer"},
	TakeOwner:         {"认领", "Take"},
	TriageUrgent:      {"智能分诊:紧急", "Triage: urgent"},
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { _, ok := actionLabels[a]; return ok }

// Label is the action's name for people.
func (a Action) Label() Text { return actionLabels[a] }
