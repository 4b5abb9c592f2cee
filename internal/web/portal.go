package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// The customer portal: an order with what may be applied for on each line and why not, and
// the application form with the refund estimate. Staff who apply on a customer's behalf
// (agents on the phone) use the same pages.

// OrderData is the order page's data.
type OrderData struct {
	Options *app.OrderOptions
	Items   []OrderLine
}

// OrderLine is a line of the order with its options.
type OrderLine struct {
	Item    app.OrderItemView
	Options app.ItemOptions
	// Refused are the types nothing may be applied for now, with the policy's reasons.
	Allowed, Refused []app.TypeOption
}

// OrderPage shows an order's lines and, for each, the types and reasons the policy allows
// now — each a link to the form — and the refusals in the policy's own words.
func (pg *Pages) OrderPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	opts, err := pg.app.OrderOptions(r.Context(), v.Principal, r.PathValue("order_no"))
	if err != nil {
		return err
	}
	d := &OrderData{Options: opts}
	for i, it := range opts.Order.Items {
		line := OrderLine{Item: it, Options: opts.Items[i]}
		for _, t := range opts.Items[i].Types {
			if t.Allowed() {
				line.Allowed = append(line.Allowed, t)
			} else {
				line.Refused = append(line.Refused, t)
			}
		}
		d.Items = append(d.Items, line)
	}
	p := pg.page(r, v, "order.title", opts.Order.OrderNo)
	p.Data = d
	pg.render(w, r, http.StatusOK, "order", p)
	return nil
}

// ApplyData is the application form's data.
type ApplyData struct {
	Order   *app.OrderView
	Item    app.OrderItemView
	Left    int
	Types   []app.TypeOption // the types allowed for the line
	Reasons []app.ReasonOption
	// Unavailable are the reasons of the chosen type the policy does not accept now.
	Unavailable []app.ReasonRefusal
	Form        ApplyForm
	Estimate    *EstimateData
	Errors      map[string]string
	Message     string
	Key         string
	NeedPhoto   bool
}

// ApplyForm is what the form holds, named as the API's fields.
type ApplyForm struct {
	SKU          string
	Quantity     int
	Type         aftersale.Type
	Reason       aftersale.Reason
	Description  string
	RefundMethod aftersale.RefundMethod
	Amount       string
}

// EstimateData is the dry run of the form as it stands.
type EstimateData struct {
	Lang     Lang
	Decision *app.DecisionView
	Problem  string
	// Help are the help centre's articles that may answer the reason chosen, before one
	// applies.
	Help []HelpArticle
}

// ApplyPage shows the form for one line (?sku=), with the type and reason chosen on the
// order page and the refund estimate.
func (pg *Pages) ApplyPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.applyData(r, v, readApplyForm(r.URL.Query()))
	if err != nil {
		return err
	}
	pg.renderApply(w, r, v, http.StatusOK, d)
	return nil
}

// Estimate is the estimate box alone, for the form's script.
func (pg *Pages) Estimate(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := readApplyForm(r.URL.Query())
	est, err := pg.estimate(r, v, r.PathValue("order_no"), f)
	if err != nil {
		return err
	}
	if o, err := pg.app.GetOrder(r.Context(), v.Principal, r.PathValue("order_no")); err == nil {
		est.Help = pg.applyHelp(r, v.Lang, f, o.Items)
	}
	var buf bytes.Buffer
	if err := pg.tmpl["apply"].ExecuteTemplate(&buf, "estimate", est); err != nil {
		pg.log.ErrorContext(r.Context(), "render estimate", slog.String("error", err.Error()))
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// Apply opens the case: the evidence files are uploaded as the visitor's, then the
// application is made with them; the visitor lands on the new case. A refused or wrong
// form comes back with the reasons next to the fields.
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request, v *Visit) error {
	orderNo := r.PathValue("order_no")
	f := readApplyForm(r.PostForm)
	in := app.ApplyInput{OrderNo: orderNo, Type: f.Type, Reason: f.Reason, Description: f.Description,
		RefundMethod: f.RefundMethod, Channel: "web", Items: []policy.RequestItem{{SKU: f.SKU, Quantity: f.Quantity}}}
	problem := &FormProblem{Fields: map[string]string{}}
	if f.Amount != "" {
		o, err := pg.app.GetOrder(r.Context(), v.Principal, orderNo)
		if err != nil {
			return err
		}
		if n, ok := pg.formAmount(v.Lang, f.Amount, o.Currency, problem, "amount"); ok {
			in.Amount = n
		}
	}
	if len(problem.Fields) == 0 {
		ids, err := pg.uploadEvidence(r, v, problem)
		if err != nil {
			return err
		}
		in.Evidence = ids
	}
	var err error
	if len(problem.Fields) == 0 {
		var reply app.Reply[app.CaseView]
		reply, err = pg.app.Apply(r.Context(), v.Principal, in, formIdempotency(r, v))
		if err == nil {
			id := ""
			if reply.Value != nil {
				id = reply.Value.ID
			} else {
				id = replayedID(reply.Body)
			}
			seeOther(w, "/cases/"+id+"?done=applied&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	}
	d, derr := pg.applyData(r, v, f)
	if derr != nil {
		return derr
	}
	d.Errors, d.Message = problem.Fields, problem.Message
	if d.Message == "" {
		d.Message, _ = pg.cat.Message(v.Lang, "form.check_fields")
	}
	pg.renderApply(w, r, v, problemStatus(err), d)
	return nil
}

func (pg *Pages) renderApply(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ApplyData) {
	p := pg.page(r, v, "apply.title", d.Order.OrderNo)
	p.Data = d
	pg.render(w, r, status, "apply", p)
}

// applyData builds the form of the line f.SKU: its allowed types and reasons and the
// estimate of what f asks.
func (pg *Pages) applyData(r *http.Request, v *Visit, f ApplyForm) (*ApplyData, error) {
	orderNo := r.PathValue("order_no")
	opts, err := pg.app.OrderOptions(r.Context(), v.Principal, orderNo)
	if err != nil {
		return nil, err
	}
	d := &ApplyData{Order: &opts.Order, Errors: map[string]string{}, Key: newFormKey()}
	i := slices.IndexFunc(opts.Order.Items, func(it app.OrderItemView) bool { return it.SKU == f.SKU })
	if i < 0 {
		if len(opts.Order.Items) == 0 {
			return nil, &app.Error{Code: app.CodeNotFound, Message: pg.cat.Text("apply.no_item")}
		}
		i, f.SKU = 0, opts.Order.Items[0].SKU
	}
	d.Item, d.Left = opts.Order.Items[i], opts.Items[i].Left
	for _, t := range opts.Items[i].Types {
		if t.Allowed() {
			d.Types = append(d.Types, t)
		}
	}
	if len(d.Types) > 0 {
		ti := slices.IndexFunc(d.Types, func(t app.TypeOption) bool { return t.Type == f.Type })
		if ti < 0 {
			ti, f.Type = 0, d.Types[0].Type
		}
		d.Reasons, d.Unavailable = d.Types[ti].Reasons, d.Types[ti].Unavailable
		ri := slices.IndexFunc(d.Reasons, func(o app.ReasonOption) bool { return o.Reason == f.Reason })
		if ri < 0 {
			ri, f.Reason = 0, d.Reasons[0].Reason
		}
		d.NeedPhoto = d.Reasons[ri].NeedsEvidence
	}
	f.Quantity = min(max(f.Quantity, 1), max(d.Left, 1))
	if f.RefundMethod == "" {
		f.RefundMethod = aftersale.RefundOriginal
		if d.Order.PaymentMethod == string(order.CashOnDelivery) {
			f.RefundMethod = aftersale.RefundBalance // cash paid at the door has no way back
		}
	}
	d.Form = f
	if len(d.Types) > 0 {
		if d.Estimate, err = pg.estimate(r, v, orderNo, f); err != nil {
			return nil, err
		}
		d.Estimate.Help = pg.applyHelp(r, v.Lang, f, opts.Order.Items)
	}
	return d, nil
}

// estimate is the policy's dry run of the form: the refund and who pays the postage, or
// why it would be refused. An order one may not see is an error, not an estimate.
func (pg *Pages) estimate(r *http.Request, v *Visit, orderNo string, f ApplyForm) (*EstimateData, error) {
	in := app.EvaluateInput{ApplyInput: app.ApplyInput{OrderNo: orderNo, Type: f.Type, Reason: f.Reason,
		RefundMethod: f.RefundMethod, Channel: "web", Items: []policy.RequestItem{{SKU: f.SKU, Quantity: max(f.Quantity, 1)}}}}
	est := &EstimateData{Lang: v.Lang}
	dv, err := pg.app.Evaluate(r.Context(), v.Principal, in)
	switch {
	case err == nil:
	case app.ErrorCode(err) == app.CodeNotFound, app.ErrorCode(err) == app.CodeForbidden, app.ErrorCode(err) == app.CodeInternal:
		return nil, err
	default:
		problem := &FormProblem{Fields: map[string]string{}}
		if pg.formProblem(v.Lang, err, problem) {
			est.Problem = problem.Message
			for _, m := range problem.Fields {
				est.Problem += " " + m
			}
		} else {
			est.Problem, _ = pg.cat.Message(v.Lang, "apply.estimate_unavailable")
		}
		return est, nil
	}
	est.Decision = dv
	return est, nil
}

// applyHelp are the articles suggested for the form: by the reason chosen and the line's
// title.
func (pg *Pages) applyHelp(r *http.Request, l Lang, f ApplyForm, items []app.OrderItemView) []HelpArticle {
	var reason, item string
	if f.Reason != "" {
		reason = l.Pick(f.Reason.Info().Label)
	}
	if i := slices.IndexFunc(items, func(it app.OrderItemView) bool { return it.SKU == f.SKU }); i >= 0 {
		item = items[i].Title
	}
	return pg.suggestForApply(r, l, reason, item)
}

// replayedID is the case id of an application answered again from its idempotency record.
func replayedID(body []byte) string {
	var c struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &c)
	return url.PathEscape(c.ID)
}

func readApplyForm(q url.Values) ApplyForm {
	n, _ := strconv.Atoi(q.Get("quantity"))
	return ApplyForm{SKU: q.Get("sku"), Quantity: n, Type: aftersale.Type(q.Get("type")), Reason: aftersale.Reason(q.Get("reason")),
		Description: q.Get("description"), RefundMethod: aftersale.RefundMethod(q.Get("refund_method")), Amount: strings.TrimSpace(q.Get("amount"))}
}
