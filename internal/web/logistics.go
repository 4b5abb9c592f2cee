package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/logistics"
)

// A case's parcels (物流) on the case page: each parcel's status, direction, carrier and
// tracking number, the exception rules that fired, and its timeline of carrier events,
// newest first. The customer says an outbound parcel the carrier reports delivered never
// came (a form: POST /cases/{id}/shipments/{carrier}/{tracking_no}/not-received), and is
// offered a reship or a refund when the application says the parcel went wrong — links
// to the apply page of the case's order, its type and reason chosen.

// CaseParcel is one parcel of a case as the case page shows it.
type CaseParcel struct {
	app.ParcelView
	// Timeline is the parcel's events, newest first.
	Timeline []app.ShipmentEventView
	// Tone styles the status badge: ok (delivered), bad (gone wrong) or none.
	Tone string
	// NotReceived is the customer's "I have not received it" form (nil: not offered).
	NotReceived *ParcelForm
	// Reship and Refund are the remedy's links to the apply page ("" when the order does
	// not allow it now: the case still holds the units, say). Escalate offers the case's
	// escalation instead when neither is possible and the customer may escalate.
	Reship, Refund string
	Escalate       bool
	// Problem is why the not-received report was refused, after the form was sent.
	Problem string
}

// ParcelForm is a form about a parcel: where it posts and its idempotency key.
type ParcelForm struct {
	Action, Key string
}

// caseParcels are the case's parcels for the case page (none: nothing was shipped).
func (pg *Pages) caseParcels(r *http.Request, v *Visit, c *app.CaseView) ([]CaseParcel, error) {
	ps, err := pg.app.CaseShipments(r.Context(), v.Principal, c.ID)
	if err != nil {
		return nil, err
	}
	customer := v.Principal.Role == app.RoleCustomer
	var opts *app.OrderOptions // what the order allows now, read once for a remedy
	out := make([]CaseParcel, 0, len(ps))
	for _, p := range ps {
		cp := CaseParcel{ParcelView: p, Timeline: slices.Clone(p.Events)}
		slices.Reverse(cp.Timeline)
		switch {
		case p.Status == "delivered" && len(p.Exceptions) == 0:
			cp.Tone = "ok"
		case p.Status == "lost" || p.Status == "exception" || p.Status == "returned_to_sender" || len(p.Exceptions) > 0:
			cp.Tone = "bad"
		}
		if customer && p.Direction == "outbound" && p.Status == "delivered" && !fired(p, "not_received") {
			cp.NotReceived = &ParcelForm{Action: notReceivedPath(c.ID, p.Carrier, p.TrackingNo), Key: newFormKey()}
		}
		if customer && p.Remedy {
			if opts == nil {
				if opts, err = pg.app.OrderOptions(r.Context(), v.Principal, c.OrderNo); err != nil {
					return nil, err
				}
			}
			cp.Reship, cp.Refund = remedyLink(v.Lang, c, p, opts, aftersale.Reship), remedyLink(v.Lang, c, p, opts, aftersale.RefundOnly)
			cp.Escalate = cp.Reship == "" && cp.Refund == "" && slices.Contains(c.AllowedActions, aftersale.Escalate)
		}
		out = append(out, cp)
	}
	return out, nil
}

// fired reports whether the exception rule fired for the parcel.
func fired(p app.ParcelView, rule string) bool {
	return slices.ContainsFunc(p.Exceptions, func(e app.ShipmentException) bool { return e.Rule == rule })
}

func notReceivedPath(caseID, carrier, trackingNo string) string {
	return "/cases/" + url.PathEscape(caseID) + "/shipments/" + url.PathEscape(carrier) + "/" + url.PathEscape(trackingNo) + "/not-received"
}

// remedyLink is the apply page of the case's order with type typ for the first line of
// the case the order allows it for now, with the reason that fits what went wrong — a
// lost parcel, or one that did not arrive — among those the policy accepts ("" when none).
func remedyLink(l Lang, c *app.CaseView, p app.ParcelView, opts *app.OrderOptions, typ aftersale.Type) string {
	reasons := []aftersale.Reason{aftersale.NotReceived, aftersale.LostParcel, aftersale.AbnormalSignoff}
	if fired(p, "lost") || p.Status == "lost" {
		reasons = []aftersale.Reason{aftersale.LostParcel, aftersale.NotReceived}
	}
	for _, it := range c.Items {
		i := slices.IndexFunc(opts.Items, func(o app.ItemOptions) bool { return o.SKU == it.SKU })
		if i < 0 || opts.Items[i].Left == 0 {
			continue
		}
		for _, t := range opts.Items[i].Types {
			if t.Type != typ {
				continue
			}
			for _, reason := range reasons {
				if slices.ContainsFunc(t.Reasons, func(o app.ReasonOption) bool { return o.Reason == reason }) {
					q := url.Values{"sku": {it.SKU}, "type": {string(typ)}, "reason": {string(reason)},
						"quantity": {strconv.Itoa(min(it.Quantity, opts.Items[i].Left))}, "lang": {string(l)}}
					return "/orders/" + url.PathEscape(c.OrderNo) + "/apply?" + q.Encode()
				}
			}
		}
	}
	return ""
}

// ReportNotReceived is the customer's "I have not received it" of a parcel of the case
// (an agent's on the customer's behalf): the not-received rule opens a task for the desk.
// Back to the case page; a refusal (not delivered, a return parcel) is shown at the parcel.
func (pg *Pages) ReportNotReceived(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id, carrier, no := r.PathValue("id"), r.PathValue("carrier"), r.PathValue("tracking_no")
	c, err := pg.app.GetCase(r.Context(), v.Principal, id)
	if err != nil {
		return err
	}
	ps, err := pg.app.CaseShipments(r.Context(), v.Principal, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ps, func(p app.ParcelView) bool { return sameTracking(p, carrier, no) })
	if i < 0 {
		return &app.Error{Code: app.CodeNotFound, Message: app.Text{ZH: "此售后单没有这个包裹", EN: "the case has no such parcel"}}
	}
	_, err = pg.app.ReportNotReceived(r.Context(), v.Principal, ps[i].Carrier, ps[i].TrackingNo, formIdempotency(r, v))
	if err == nil {
		seeOther(w, "/cases/"+url.PathEscape(c.ID)+"?done=not_received&lang="+string(v.Lang)+"#parcels")
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d, derr := pg.caseData(r, v)
	if derr != nil {
		return derr
	}
	for j := range d.Parcels {
		if sameTracking(d.Parcels[j].ParcelView, carrier, no) {
			d.Parcels[j].Problem = problem.Message
		}
	}
	pg.renderCase(w, r, v, problemStatus(err), d)
	return nil
}

// sameTracking reports whether the parcel is the one the address names (normalised as
// the application keeps carriers and tracking numbers).
func sameTracking(p app.ParcelView, carrier, no string) bool {
	return p.Carrier == logistics.NormCarrier(carrier) && p.TrackingNo == logistics.NormTracking(no)
}
