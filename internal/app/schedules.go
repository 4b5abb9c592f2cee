package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/webhook"
)

// Scheduled reports (定时报表): a report sent by itself every morning (daily: yesterday)
// or every Monday (weekly: the seven days before), as an email with the export attached
// or as a signed webhook with the report's JSON. It runs with the rights of who set it:
// a merchant's staff get their merchant's figures only.

// ScheduleInput sets up a scheduled report.
type ScheduleInput struct {
	Report    string `json:"report" jsonschema:"description=a report name: return_rate\\, reasons\\, sla\\, handling_time\\, csat\\, disputes\\, refunds\\, agents or themes"`
	GroupBy   string `json:"group_by,omitempty" jsonschema:"description=the rows' grouping (the report's default when empty)"`
	Merchant  string `json:"merchant,omitempty" jsonschema:"description=one merchant (merchants: their own)"`
	Category  string `json:"category,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Compare   bool   `json:"compare,omitempty" jsonschema:"description=with the period before"`
	Frequency string `json:"frequency" jsonschema:"enum=daily,enum=weekly"`
	Channel   string `json:"channel" jsonschema:"enum=email,enum=webhook"`
	Target    string `json:"target" jsonschema:"description=the email address or the webhook URL (https)"`
	Format    string `json:"format,omitempty" jsonschema:"enum=csv,enum=xlsx,description=the attachment of an email (csv when empty); webhooks get JSON"`
	Lang      string `json:"lang,omitempty" jsonschema:"enum=zh,enum=en,description=the language of the email and the XLSX headings (zh when empty)"`
}

// ScheduleView is a scheduled report.
type ScheduleView struct {
	ID        string        `json:"id"`
	Merchant  string        `json:"merchant,omitempty"`
	Owner     string        `json:"owner"`
	Input     ScheduleInput `json:"schedule"`
	NextAt    time.Time     `json:"next_at"`
	LastAt    *time.Time    `json:"last_at,omitempty"`
	LastError string        `json:"last_error,omitempty"`
	// Secret signs the webhook's deliveries: shown when the schedule is made, never again.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ScheduleList is the schedules one may see.
type ScheduleList struct {
	Items []ScheduleView `json:"items"`
}

// sendHour is when scheduled reports go out: 08:00 China Standard Time.
const sendHour = 8

// nextSend is the next time a schedule of frequency sends after now: tomorrow's (or
// today's, before 08:00) morning; weekly ones on a Monday.
func nextSend(frequency string, now time.Time) time.Time {
	t := now.In(analytics.Zone)
	next := time.Date(t.Year(), t.Month(), t.Day(), sendHour, 0, 0, 0, analytics.Zone)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	if frequency == "weekly" {
		for next.Weekday() != time.Monday {
			next = next.AddDate(0, 0, 1)
		}
	}
	return next
}

// period is the days a schedule's report covers when sent at: yesterday, or the seven
// days before.
func period(frequency string, at time.Time) (from, to string) {
	d := at.In(analytics.Zone).AddDate(0, 0, -1)
	to = d.Format(analytics.DayLayout)
	if frequency == "weekly" {
		d = d.AddDate(0, 0, -6)
	}
	return d.Format(analytics.DayLayout), to
}

func (in *ScheduleInput) values(from, to string) url.Values {
	v := url.Values{"from": {from}, "to": {to}}
	for k, s := range map[string]string{"group_by": in.GroupBy, "merchant": in.Merchant, "category": in.Category, "sku": in.SKU} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if in.Compare {
		v.Set("compare", "previous")
	}
	return v
}

func mayScheduleReports(p Principal) error {
	switch p.Role {
	case RoleMerchant, RoleSupervisor, RoleAdmin:
		return nil
	}
	return errForbidden("只有商家、主管和管理员可以订阅报表", "merchants, supervisors and admins schedule reports")
}

// CreateSchedule sets up a scheduled report. The query is checked as the report itself
// would be; a webhook's URL as a webhook's.
func (a *App) CreateSchedule(ctx context.Context, p Principal, in ScheduleInput) (*ScheduleView, error) {
	if err := mayScheduleReports(p); err != nil {
		return nil, err
	}
	if err := MayReadReports(p, in.Report); err != nil {
		return nil, err
	}
	switch {
	case in.Frequency != "daily" && in.Frequency != "weekly":
		return nil, errInvalid("frequency", "频率应为 daily 或 weekly", "frequency is daily or weekly")
	case in.Channel != "email" && in.Channel != "webhook":
		return nil, errInvalid("channel", "渠道应为 email 或 webhook", "channel is email or webhook")
	case in.Format != "" && in.Format != "csv" && in.Format != "xlsx":
		return nil, errInvalid("format", "格式应为 csv 或 xlsx", "format is csv or xlsx")
	case in.Lang != "" && in.Lang != "zh" && in.Lang != "en":
		return nil, errInvalid("lang", "语言应为 zh 或 en", "lang is zh or en")
	case strings.TrimSpace(in.Target) == "":
		return nil, errInvalid("target", "请填写邮箱或网址", "give the email address or the URL")
	}
	in.Format, in.Lang = cmpOr(in.Format, "csv"), cmpOr(in.Lang, "zh")
	s := scopeOf(p, in.Merchant, "")
	if !s.ok {
		return nil, errNotFound("merchant")
	}
	in.Merchant = s.merchant
	now := a.now()
	from, to := period(in.Frequency, now)
	if _, err := analytics.ParseQuery(in.Report, in.values(from, to), now); err != nil {
		return nil, fromCore(err)
	}
	var secret string
	switch in.Channel {
	case "email":
		if err := checkEmail("target", in.Target); err != nil {
			return nil, err
		}
	case "webhook":
		if err := webhook.CheckURL(ctx, in.Target, a.webhooks.allowPrivate, a.webhooks.resolver); err != nil {
			var fe *webhook.FieldError
			if errors.As(err, &fe) {
				return nil, errInvalid("target", fe.ZH, fe.EN)
			}
			return nil, err
		}
		secret = webhook.NewSecret()
	}
	params, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	sc := store.ReportSchedule{ID: uuid.NewString(), Merchant: in.Merchant, Owner: cmpOr(p.User, p.ID), Report: in.Report, Params: params,
		Frequency: in.Frequency, Channel: in.Channel, Target: in.Target, Secret: secret, Format: in.Format, Lang: in.Lang,
		NextAt: nextSend(in.Frequency, now), CreatedAt: now}
	_, err = write(ctx, a, p, nil, auditTarget{"report.schedule", "schedule", sc.ID}, func(tx *txn) (*struct{}, int, error) {
		if err := tx.InsertSchedule(ctx, sc); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 201, tx.audit(ctx, "report.schedule", "schedule", sc.ID, map[string]any{"report": in.Report, "channel": in.Channel})
	})
	if err != nil {
		return nil, err
	}
	v := scheduleView(sc)
	v.Secret = secret
	return &v, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func scheduleView(s store.ReportSchedule) ScheduleView {
	v := ScheduleView{ID: s.ID, Merchant: s.Merchant, Owner: s.Owner, NextAt: s.NextAt, LastError: s.LastError, CreatedAt: s.CreatedAt}
	_ = json.Unmarshal(s.Params, &v.Input)
	if !s.LastAt.IsZero() {
		t := s.LastAt
		v.LastAt = &t
	}
	return v
}

// Schedules lists the scheduled reports p may see: a merchant's staff their merchant's,
// supervisors and admins all.
func (a *App) Schedules(ctx context.Context, p Principal) (*ScheduleList, error) {
	if err := mayScheduleReports(p); err != nil {
		return nil, err
	}
	merchant := ""
	if p.Role == RoleMerchant {
		merchant = p.Merchant
	}
	var ss []store.ReportSchedule
	if err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		ss, err = tx.ListSchedules(ctx, merchant)
		return err
	}); err != nil {
		return nil, err
	}
	out := &ScheduleList{Items: make([]ScheduleView, 0, len(ss))}
	for _, s := range ss {
		out.Items = append(out.Items, scheduleView(s))
	}
	return out, nil
}

// schedule loads a schedule p may see (not found otherwise).
func (a *App) schedule(ctx context.Context, tx store.Tx, p Principal, id string) (store.ReportSchedule, error) {
	if err := mayScheduleReports(p); err != nil {
		return store.ReportSchedule{}, err
	}
	s, err := tx.Schedule(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && p.Role == RoleMerchant && s.Merchant != p.Merchant {
		return store.ReportSchedule{}, errNotFound("schedule")
	}
	return s, err
}

// DeleteSchedule stops a scheduled report.
func (a *App) DeleteSchedule(ctx context.Context, p Principal, id string) error {
	_, err := write(ctx, a, p, nil, auditTarget{"report.unschedule", "schedule", id}, func(tx *txn) (*struct{}, int, error) {
		if _, err := a.schedule(ctx, tx, p, id); err != nil {
			return nil, 0, err
		}
		if err := tx.DeleteSchedule(ctx, id); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 204, tx.audit(ctx, "report.unschedule", "schedule", id, nil)
	})
	return err
}

// SendScheduleNow sends a scheduled report at once (its next run stays as planned).
func (a *App) SendScheduleNow(ctx context.Context, p Principal, id string) (*ScheduleView, error) {
	var s store.ReportSchedule
	if err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = a.schedule(ctx, tx, p, id)
		return err
	}); err != nil {
		return nil, err
	}
	s.LastAt, s.LastError = a.now(), ""
	if err := a.deliverSchedule(ctx, s, a.now()); err != nil {
		s.LastError = err.Error()
	}
	if err := a.store.Update(ctx, func(tx store.Tx) error { return tx.UpdateSchedule(ctx, s) }); err != nil {
		return nil, err
	}
	v := scheduleView(s)
	return &v, nil
}

// SendDueReports sends the scheduled reports that are due: each is claimed by moving its
// next run on in one transaction (on PostgreSQL a replica skips those another claimed),
// then built and sent; a failure is kept on the schedule (last_error) and the next run
// comes as planned.
func (a *App) SendDueReports(ctx context.Context) (int, error) {
	now := a.now()
	var due []store.ReportSchedule
	if err := a.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if due, err = tx.DueSchedules(ctx, now, 20); err != nil {
			return err
		}
		for i := range due {
			next := due[i]
			next.NextAt = nextSend(next.Frequency, now)
			if err := tx.UpdateSchedule(ctx, next); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, s := range due {
		at := s.NextAt // the run this is: its period ends the day before
		s.NextAt, s.LastAt, s.LastError = nextSend(s.Frequency, now), now, ""
		if err := a.deliverSchedule(ctx, s, at); err != nil {
			s.LastError = err.Error()
			a.log.Warn("scheduled report", "schedule", s.ID, "err", err)
		}
		if err := a.store.Update(ctx, func(tx store.Tx) error { return tx.UpdateSchedule(ctx, s) }); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// schedulePrincipal is whose rights a schedule's report runs with.
func schedulePrincipal(s store.ReportSchedule) Principal {
	if s.Merchant != "" {
		return Principal{Role: RoleMerchant, Merchant: s.Merchant, ID: "schedule:" + s.ID, User: s.Owner}
	}
	return Principal{Role: RoleSupervisor, ID: "schedule:" + s.ID, User: s.Owner}
}

func (a *App) deliverSchedule(ctx context.Context, s store.ReportSchedule, at time.Time) error {
	var in ScheduleInput
	if err := json.Unmarshal(s.Params, &in); err != nil {
		return err
	}
	from, to := period(s.Frequency, at)
	res, err := a.Report(ctx, schedulePrincipal(s), s.Report, in.values(from, to))
	if err != nil {
		return err
	}
	def, _ := analytics.Find(s.Report)
	title := def.Title.In(s.Lang)
	switch s.Channel {
	case "webhook":
		body, err := json.Marshal(map[string]any{"event": "report.scheduled", "schedule_id": s.ID, "report": res})
		if err != nil {
			return err
		}
		_, err = webhook.Send(ctx, a.webhooks.client, webhook.Request{URL: s.Target, Secret: s.Secret, Event: "report.scheduled",
			DeliveryID: s.ID + "@" + at.UTC().Format(time.RFC3339), Body: body})
		return err
	default:
		var b bytes.Buffer
		name := fmt.Sprintf("%s-%s-%s.%s", s.Report, from, to, s.Format)
		ctype := "text/csv; charset=utf-8"
		if s.Format == "xlsx" {
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			err = res.WriteXLSX(&b, s.Lang, nil)
		} else {
			err = res.WriteCSV(&b)
		}
		if err != nil {
			return err
		}
		subject := fmt.Sprintf("【售后报表】%s %s–%s", title, from, to)
		text := fmt.Sprintf("您订阅的报表“%s”（%s 至 %s）见附件。\n", title, from, to)
		if s.Lang == "en" {
			subject = fmt.Sprintf("[After-sales report] %s %s–%s", title, from, to)
			text = fmt.Sprintf("Your scheduled report \"%s\" (%s to %s) is attached.\n", title, from, to)
		}
		m := notify.Mail{To: s.Target, Subject: subject, Text: text, Locale: s.Lang, ID: "report-" + s.ID + "-" + to,
			Attachments: []notify.Attachment{{Name: name, ContentType: ctype, Data: b.Bytes()}}}
		if a.mailer == nil {
			a.log.Info("scheduled report (no --smtp-url)", "to", maskEmail(m.To), "subject", m.Subject)
			return nil
		}
		return a.mailer.Send(ctx, m)
	}
}
