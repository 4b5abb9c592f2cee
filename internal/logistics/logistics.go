// Package logistics is the parcels of after-sales (SPEC §7): a case's return shipment (the
// customer's parcel back to the merchant) and its outbound shipment (an exchange, a repaired
// item or a reship on its way to the customer), their carriers' events as a timeline, the
// status that timeline adds up to, and the exception rules that call an agent when a parcel
// goes wrong.
//
// Pure: no I/O, time passed in. The status is a fold of the timeline in the order of the
// carriers' own times, so events arriving late or twice give the same answer as events
// arriving in order, and a shipment never moves backwards.
package logistics

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Text is a user-facing string in both product languages.
type Text = aftersale.Text

// Status is where a parcel is, as carriers report it.
type Status string

// Statuses. A shipment nobody has reported on yet has status Created.
const (
	Created          Status = "created"
	PickedUp         Status = "picked_up"
	InTransit        Status = "in_transit"
	OutForDelivery   Status = "out_for_delivery"
	Delivered        Status = "delivered"
	Exception        Status = "exception"
	ReturnedToSender Status = "returned_to_sender"
	Lost             Status = "lost"
)

// Statuses lists what a carrier event may report (Created is not reported, it is where a
// shipment starts).
var Statuses = []Status{PickedUp, InTransit, OutForDelivery, Delivered, Exception, ReturnedToSender, Lost}

// Valid reports whether s is a status a carrier event may carry.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Terminal reports whether the parcel's journey has ended.
func (s Status) Terminal() bool { return s == Delivered || s == ReturnedToSender || s == Lost }

// rank orders statuses along a journey: an event may move a shipment to a status of the
// same or a higher rank only. An exception sits beside transit (a parcel held up is still
// on its way), and the ends share the top rank (a parcel reported lost may still be found
// and delivered).
func (s Status) rank() int {
	switch s {
	case PickedUp:
		return 1
	case InTransit, Exception:
		return 2
	case OutForDelivery:
		return 3
	case Delivered, ReturnedToSender, Lost:
		return 4
	}
	return 0
}

// Label is the status's name for people.
func (s Status) Label() Text {
	switch s {
	case Created:
		return Text{ZH: "已下单", EN: "Label created"}
	case PickedUp:
		return Text{ZH: "已揽收", EN: "Picked up"}
	case InTransit:
		return Text{ZH: "运输中", EN: "In transit"}
	case OutForDelivery:
		return Text{ZH: "派送中", EN: "Out for delivery"}
	case Delivered:
		return Text{ZH: "已签收", EN: "Delivered"}
	case Exception:
		return Text{ZH: "异常", EN: "Exception"}
	case ReturnedToSender:
		return Text{ZH: "已退回寄件人", EN: "Returned to sender"}
	case Lost:
		return Text{ZH: "已丢失", EN: "Lost"}
	}
	return Text{ZH: string(s), EN: string(s)}
}

// Direction is which way a parcel travels.
type Direction string

// Directions.
const (
	Return   Direction = "return"   // customer → merchant
	Outbound Direction = "outbound" // merchant → customer (exchange, repair, reship)
)

// Event is one carrier scan: idempotent by (Carrier, EventID).
type Event struct {
	Carrier    string    `json:"carrier"`
	TrackingNo string    `json:"tracking_no"`
	EventID    string    `json:"event_id"`
	Status     Status    `json:"status"`
	At         time.Time `json:"at"`
	Location   string    `json:"location,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	// Reason is a carrier's code for an exception (wrong_address, refused, damaged …), when
	// it sends one.
	Reason     string    `json:"reason,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
}

// Shipment is one parcel. Before its case is known (events for a tracking number nobody
// has entered yet) CaseID is empty: the events are kept and the shipment is matched when a
// case ships that parcel.
type Shipment struct {
	Carrier    string    `json:"carrier"`
	TrackingNo string    `json:"tracking_no"`
	CaseID     string    `json:"case_id,omitempty"`
	Direction  Direction `json:"direction,omitempty"`
	Merchant   string    `json:"merchant,omitempty"`
	Customer   string    `json:"customer,omitempty"`
	Status     Status    `json:"status"`
	// LastEventAt is the carrier's time of the latest event; zero when none.
	LastEventAt time.Time `json:"last_event_at,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitempty"`
	// ShippedAt is when the case recorded the parcel (zero while unmatched).
	ShippedAt time.Time `json:"shipped_at,omitempty"`
	// Fired lists the exception rules that have fired for this shipment, each at most once.
	Fired []Rule `json:"fired,omitempty"`
	// NotReceived is when the customer said a parcel reported delivered never arrived.
	NotReceived time.Time `json:"not_received,omitempty"`
	// Applied is what the case has been told: the delivery it acted on (zero: none yet).
	Applied   time.Time `json:"applied,omitempty"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Matched reports whether the shipment belongs to a case.
func (s *Shipment) Matched() bool { return s.CaseID != "" }

// NormCarrier is a carrier's code as kept: trimmed, lower case ("SF" and "sf " are one
// carrier), and the names people type for the common carriers turned into their codes
// ("顺丰速运" is sf), so that what a customer typed meets what the carrier's system sends.
func NormCarrier(s string) string {
	k := strings.ToLower(strings.TrimSpace(s))
	if code, ok := carrierAliases[k]; ok {
		return code
	}
	return k
}

// carrierAliases are the names of the common carriers, by code.
var carrierAliases = func() map[string]string {
	m := map[string]string{}
	for code, names := range map[string][]string{
		"sf":    {"顺丰", "顺丰速运", "顺丰快递", "sf express"},
		"zto":   {"中通", "中通快递"},
		"yto":   {"圆通", "圆通速递", "圆通快递"},
		"yunda": {"韵达", "韵达快递", "韵达速递"},
		"sto":   {"申通", "申通快递"},
		"jd":    {"京东", "京东物流", "京东快递", "jdl"},
		"ems":   {"中国邮政", "中国邮政ems", "邮政", "邮政ems"},
		"jt":    {"极兔", "极兔速递", "j&t", "j&t express"},
	} {
		for _, n := range names {
			m[n] = code
		}
	}
	return m
}()

// NormTracking is a tracking number as kept: trimmed, upper case.
func NormTracking(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// FieldError is a problem with one field of an event.
type FieldError struct {
	Field   string
	Message Text
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message.EN }

func bad(field, zh, en string) error { return &FieldError{Field: field, Message: Text{ZH: zh, EN: en}} }

// Check validates an event as a carrier sent it and returns it normalised (carrier and
// tracking number as kept, time in UTC to the microsecond).
func Check(ev Event) (Event, error) {
	ev.Carrier = NormCarrier(ev.Carrier)
	ev.TrackingNo = NormTracking(ev.TrackingNo)
	ev.EventID = strings.TrimSpace(ev.EventID)
	switch {
	case ev.Carrier == "" || len(ev.Carrier) > 32 || !token(ev.Carrier):
		return ev, bad("carrier", "请填写承运商代码(字母、数字、- 或 _,最多 32 个)", "carrier must be a code of up to 32 letters, digits, - or _")
	case len(ev.TrackingNo) < 6 || len(ev.TrackingNo) > 40 || !token(ev.TrackingNo):
		return ev, bad("tracking_no", "运单号应为 6–40 位字母或数字", "the tracking number must be 6–40 letters, digits or dashes")
	case ev.EventID == "" || len(ev.EventID) > 100:
		return ev, bad("event_id", "请提供承运商的事件编号(最多 100 个字符)", "event_id is required (at most 100 characters)")
	case !ev.Status.Valid():
		return ev, bad("status", fmt.Sprintf("未知的物流状态 %q", ev.Status),
			fmt.Sprintf("unknown status %q: use picked_up, in_transit, out_for_delivery, delivered, exception, returned_to_sender or lost", ev.Status))
	case ev.At.IsZero():
		return ev, bad("at", "请提供事件时间(RFC 3339)", "at is required (an RFC 3339 time)")
	case len(ev.Location) > 200:
		return ev, bad("location", "地点最多 200 个字符", "location is at most 200 characters")
	case len(ev.Detail) > 1000:
		return ev, bad("detail", "说明最多 1000 个字符", "detail is at most 1000 characters")
	case len(ev.Reason) > 64:
		return ev, bad("reason", "原因代码最多 64 个字符", "reason is at most 64 characters")
	}
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	return ev, nil
}

func token(s string) bool {
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return false
		}
	}
	return true
}

// Sort orders a timeline by the carriers' times (ties by event id, so that the order is
// the same whatever order the events arrived in).
func Sort(events []Event) {
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.EventID, b.EventID)
	})
}

// Fold is what a timeline adds up to: the status (an event that would move the parcel
// backwards is kept in the timeline but does not change it), the time of the latest
// event, and when it was delivered (zero when it is not).
func Fold(events []Event) (status Status, last, delivered time.Time) {
	evs := slices.Clone(events)
	Sort(evs)
	status = Created
	for _, ev := range evs {
		if ev.At.After(last) {
			last = ev.At
		}
		if ev.Status.rank() < status.rank() {
			continue
		}
		status = ev.Status
		if status == Delivered {
			delivered = ev.At
		} else if status.Terminal() {
			delivered = time.Time{}
		}
	}
	return status, last, delivered
}

// Apply folds the timeline into s (status, latest event, delivery) and returns whether
// anything changed.
func (s *Shipment) Apply(events []Event) bool {
	st, last, delivered := Fold(events)
	if st == s.Status && last.Equal(s.LastEventAt) && delivered.Equal(s.DeliveredAt) {
		return false
	}
	s.Status, s.LastEventAt, s.DeliveredAt = st, last, delivered
	return true
}
