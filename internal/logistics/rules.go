package logistics

import (
	"slices"
	"strings"
	"time"
)

// Rule is an exception rule: a way a parcel goes wrong that needs a person. Each fires at
// most once per shipment and opens a task for an agent.
type Rule string

// Exception rules.
const (
	// Stale: no carrier update for a while (48 hours unless the policy says) on a parcel
	// that has not arrived.
	Stale Rule = "stale"
	// NotReceived: the carrier says delivered, the customer says the parcel never came.
	NotReceived Rule = "not_received"
	// WrongAddress: the carrier cannot deliver to the address.
	WrongAddress Rule = "wrong_address"
	// LostParcel: the carrier reports the parcel lost.
	LostParcel Rule = "lost"
)

// Rules lists the exception rules.
var Rules = []Rule{Stale, NotReceived, WrongAddress, LostParcel}

// Valid reports whether r is known.
func (r Rule) Valid() bool { return slices.Contains(Rules, r) }

// Label is the rule's name for people.
func (r Rule) Label() Text {
	switch r {
	case Stale:
		return Text{ZH: "物流长时间未更新", EN: "No carrier update"}
	case NotReceived:
		return Text{ZH: "显示签收但买家未收到", EN: "Signed for but not received"}
	case WrongAddress:
		return Text{ZH: "地址错误", EN: "Wrong address"}
	case LostParcel:
		return Text{ZH: "包裹丢失", EN: "Parcel lost"}
	}
	return Text{ZH: string(r), EN: string(r)}
}

// Terms are the exception rules in force (the policy's logistics section).
type Terms struct {
	// StaleAfter is how long without an update makes a parcel stale.
	StaleAfter time.Duration
	// Enabled lists the rules that fire.
	Enabled []Rule
}

// DefaultTerms are the rules when no policy says otherwise: all four, stale after 48 hours.
var DefaultTerms = Terms{StaleAfter: 48 * time.Hour, Enabled: Rules}

func (t Terms) on(r Rule) bool {
	return slices.Contains(t.Enabled, r) && (r != Stale || t.StaleAfter > 0)
}

// wrongAddressReasons are carrier exception codes that mean the address is wrong.
var wrongAddressReasons = []string{"wrong_address", "address_error", "bad_address", "address_unknown", "invalid_address"}

// wrongAddress reports whether an exception event says the address is wrong: by the
// carrier's code or, when it sends none, by its words.
func wrongAddress(ev Event) bool {
	if slices.Contains(wrongAddressReasons, strings.ToLower(ev.Reason)) {
		return true
	}
	if ev.Status != Exception && ev.Status != ReturnedToSender {
		return false
	}
	d := strings.ToLower(ev.Detail)
	return strings.Contains(d, "地址") || strings.Contains(d, "address")
}

// since is when the parcel last showed a sign of life: its latest event, or when it was
// shipped.
func (s *Shipment) since() time.Time {
	t := s.ShippedAt
	if s.LastEventAt.After(t) {
		t = s.LastEventAt
	}
	return t
}

// Due lists the rules that fire for s at now and have not fired before, in the order of
// Rules. Only a matched shipment fires (an agent needs a case to work on).
func Due(s *Shipment, events []Event, t Terms, now time.Time) []Rule {
	if !s.Matched() {
		return nil
	}
	var out []Rule
	add := func(r Rule, cond bool) {
		if cond && t.on(r) && !slices.Contains(s.Fired, r) {
			out = append(out, r)
		}
	}
	add(Stale, !s.Status.Terminal() && !s.since().IsZero() && !now.Before(s.since().Add(t.StaleAfter)))
	add(NotReceived, !s.NotReceived.IsZero())
	add(WrongAddress, slices.ContainsFunc(events, wrongAddress))
	add(LostParcel, s.Status == Lost)
	return out
}

// NextCheck is when the stale rule would fire if nothing else happens (zero: it will not —
// the parcel has arrived, the rule fired or is off, or the shipment has no case).
func NextCheck(s *Shipment, t Terms) time.Time {
	if !s.Matched() || s.Status.Terminal() || !t.on(Stale) || slices.Contains(s.Fired, Stale) || s.since().IsZero() {
		return time.Time{}
	}
	return s.since().Add(t.StaleAfter)
}

// OffersRemedy reports whether the customer is offered a reship or a refund for s: an
// outbound parcel (the customer's solution) that a rule says went wrong.
func OffersRemedy(s *Shipment) bool {
	return s.Direction == Outbound && len(s.Fired) > 0 && s.Status != Delivered || s.Direction == Outbound && slices.Contains(s.Fired, NotReceived)
}

// ReportNotReceived records the customer's word that a parcel reported delivered never came.
// It is refused unless the carrier says delivered; a second report keeps the first time.
func (s *Shipment) ReportNotReceived(now time.Time) error {
	if s.Status != Delivered {
		return bad("tracking_no", "承运商尚未显示签收", "the carrier has not reported this parcel delivered")
	}
	if s.NotReceived.IsZero() {
		s.NotReceived = now
	}
	return nil
}
