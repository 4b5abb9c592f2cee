package logistics

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func ev(id string, s Status, minutes int) Event {
	return Event{Carrier: "sf", TrackingNo: "SF1234567890", EventID: id, Status: s, At: t0.Add(time.Duration(minutes) * time.Minute)}
}

func TestFoldPlacesEventsByTheirTime(t *testing.T) {
	cases := []struct {
		name   string
		events []Event
		want   Status
	}{
		{"none", nil, Created},
		{"in order", []Event{ev("1", PickedUp, 0), ev("2", InTransit, 10), ev("3", Delivered, 20)}, Delivered},
		{"late transit scan after delivery arrives last", []Event{ev("3", Delivered, 20), ev("1", PickedUp, 0), ev("2", InTransit, 10)}, Delivered},
		{"transit dated after delivery never moves it back", []Event{ev("1", Delivered, 20), ev("2", InTransit, 30)}, Delivered},
		{"an exception, then moving again", []Event{ev("1", InTransit, 0), ev("2", Exception, 10), ev("3", InTransit, 20)}, InTransit},
		{"an exception after out for delivery is kept in the timeline only", []Event{ev("1", OutForDelivery, 0), ev("2", Exception, 10)}, OutForDelivery},
		{"lost, then found and delivered", []Event{ev("1", Lost, 0), ev("2", Delivered, 60)}, Delivered},
		{"returned to sender", []Event{ev("1", InTransit, 0), ev("2", ReturnedToSender, 60)}, ReturnedToSender},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, last, delivered := Fold(tc.events)
			if got != tc.want {
				t.Errorf("status %s, want %s", got, tc.want)
			}
			if (got == Delivered) == delivered.IsZero() {
				t.Errorf("delivered at %v with status %s", delivered, got)
			}
			for _, e := range tc.events {
				if e.At.After(last) {
					t.Errorf("last event %v before %v", last, e.At)
				}
			}
		})
	}
}

// The status is the same whatever order the events arrive in, and an event never moves a
// shipment to a status of a lower rank than it had.
func TestFoldProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "n")
		events := make([]Event, n)
		for i := range events {
			events[i] = ev(rapid.StringMatching(`[a-z]{1,3}`).Draw(t, "id"), rapid.SampledFrom(Statuses).Draw(t, "status"), rapid.IntRange(0, 100).Draw(t, "minute"))
		}
		want, _, _ := Fold(events)
		perm := rapid.Permutation(events).Draw(t, "arrival")
		if got, _, _ := Fold(perm); got != want {
			t.Fatalf("arrival order changed the status: %s vs %s", got, want)
		}
		var seen []Event
		prev := Created
		for _, e := range perm {
			seen = append(seen, e)
			st, _, _ := Fold(seen)
			// Arriving late, an event is placed in the past: the status of the timeline so far
			// can only be what the fold of the earlier-dated events says; it never drops below
			// the rank of one that came before in time.
			if st.rank() < prev.rank() && !slices.ContainsFunc(seen, func(x Event) bool { return x.At.After(e.At) }) {
				t.Fatalf("status went back from %s to %s", prev, st)
			}
			prev = st
		}
	})
}

func TestExceptionRules(t *testing.T) {
	terms := DefaultTerms
	s := Shipment{Carrier: "sf", TrackingNo: "SF1234567890", CaseID: "c1", Direction: Outbound, Status: Created, ShippedAt: t0}
	if got := Due(&s, nil, terms, t0.Add(47*time.Hour)); len(got) != 0 {
		t.Errorf("before 48 hours: %v", got)
	}
	if got := NextCheck(&s, terms); !got.Equal(t0.Add(48 * time.Hour)) {
		t.Errorf("next check %v, want 48 hours after shipping", got)
	}
	if got := Due(&s, nil, terms, t0.Add(48*time.Hour)); !slices.Equal(got, []Rule{Stale}) {
		t.Errorf("at 48 hours: %v, want stale", got)
	}
	s.Fired = []Rule{Stale}
	if got := Due(&s, nil, terms, t0.Add(100*time.Hour)); len(got) != 0 || !NextCheck(&s, terms).IsZero() {
		t.Errorf("a rule fires once: %v", got)
	}
	// A scan resets the stale clock.
	s.Fired = nil
	events := []Event{ev("1", InTransit, 60*40)}
	s.Apply(events)
	if got := Due(&s, events, terms, t0.Add(60*time.Hour)); len(got) != 0 {
		t.Errorf("a scan 40 hours in: stale at 60 hours? %v", got)
	}
	// Wrong address: by the carrier's code or its words.
	bad := ev("2", Exception, 60*41)
	bad.Detail = "收件地址错误"
	events = append(events, bad)
	s.Apply(events)
	if got := Due(&s, events, terms, t0.Add(42*time.Hour)); !slices.Equal(got, []Rule{WrongAddress}) {
		t.Errorf("wrong address: %v", got)
	}
	events = append(events, ev("3", Lost, 60*45))
	s.Apply(events)
	s.Fired = []Rule{WrongAddress}
	if got := Due(&s, events, terms, t0.Add(46*time.Hour)); !slices.Equal(got, []Rule{LostParcel}) {
		t.Errorf("lost: %v", got)
	}
	if !OffersRemedy(&s) {
		t.Error("a lost outbound parcel offers a remedy")
	}
	// Not received: only after the carrier says delivered.
	r := Shipment{CaseID: "c1", Direction: Outbound, Status: InTransit}
	if err := r.ReportNotReceived(t0); err == nil {
		t.Error("not received before delivery was accepted")
	}
	r.Status = Delivered
	if err := r.ReportNotReceived(t0); err != nil || !slices.Equal(Due(&r, nil, terms, t0), []Rule{NotReceived}) {
		t.Errorf("not received: %v", err)
	}
	// An unmatched parcel fires nothing; a rule turned off never fires.
	u := Shipment{Status: Lost}
	if got := Due(&u, nil, terms, t0); len(got) != 0 {
		t.Errorf("an unmatched parcel: %v", got)
	}
	off := Terms{StaleAfter: 48 * time.Hour, Enabled: []Rule{Stale}}
	s.Fired = nil
	if got := Due(&s, events, off, t0.Add(46*time.Hour)); len(got) != 0 {
		t.Errorf("with lost and wrong address off: %v", got)
	}
}

func TestCheckNormalisesAndRefuses(t *testing.T) {
	e, err := Check(Event{Carrier: " SF ", TrackingNo: "sf1234567890 ", EventID: "x", Status: Delivered, At: t0.In(time.FixedZone("CST", 8*3600))})
	if err != nil || e.Carrier != "sf" || e.TrackingNo != "SF1234567890" || e.At.Location() != time.UTC {
		t.Fatalf("%+v %v", e, err)
	}
	for field, bad := range map[string]Event{
		"carrier":     {TrackingNo: "SF1234567890", EventID: "x", Status: Delivered, At: t0},
		"tracking_no": {Carrier: "sf", TrackingNo: "123", EventID: "x", Status: Delivered, At: t0},
		"event_id":    {Carrier: "sf", TrackingNo: "SF1234567890", Status: Delivered, At: t0},
		"status":      {Carrier: "sf", TrackingNo: "SF1234567890", EventID: "x", Status: "created", At: t0},
		"at":          {Carrier: "sf", TrackingNo: "SF1234567890", EventID: "x", Status: Delivered},
	} {
		_, err := Check(bad)
		if fe, ok := err.(*FieldError); !ok || fe.Field != field || fe.Message.ZH == "" || fe.Message.EN == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("SF", "SF1234567890", "e1", "delivered", "深圳", "签收", "")
	f.Add(" zto ", "zt-123456", "", "lost", "", "", "wrong_address")
	f.Add("順豐", "SF\u202e123456", "e", "in_transit", "x", "y", "z")
	f.Fuzz(func(t *testing.T, carrier, tracking, id, status, location, detail, reason string) {
		e, err := Check(Event{Carrier: carrier, TrackingNo: tracking, EventID: id, Status: Status(status), At: t0, Location: location, Detail: detail, Reason: reason})
		if err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if e.Carrier != NormCarrier(e.Carrier) || e.TrackingNo != NormTracking(e.TrackingNo) || !e.Status.Valid() || e.EventID == "" {
			t.Fatalf("accepted %+v", e)
		}
		if !token(e.Carrier) || !token(e.TrackingNo) {
			t.Fatalf("accepted a carrier or tracking number with other characters: %+v", e)
		}
	})
}

func TestCarrierNamesMeetTheirCodes(t *testing.T) {
	for in, want := range map[string]string{"顺丰速运": "sf", " SF ": "sf", "中通快递": "zto", "京东物流": "jd", "中国邮政EMS": "ems", "Acme": "acme"} {
		if got := NormCarrier(in); got != want {
			t.Errorf("NormCarrier(%q) = %q, want %q", in, got, want)
		}
	}
}
