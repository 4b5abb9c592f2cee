package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/task"
	"github.com/aftersales/aftersales/internal/text"
)

// Satisfaction (满意度) and the follow-ups of the service desk: the customer rates a
// completed case once; a low score opens one follow-up call (回访) for a supervisor.
// Staff open call backs, out-of-stock outreach (缺货) and reminders with due times on the
// business calendar.

// SurveyView is a case's rating.
type SurveyView struct {
	CaseID   string    `json:"case_id"`
	Number   string    `json:"number"`
	Merchant string    `json:"merchant"`
	Category string    `json:"category,omitempty"`
	Agent    string    `json:"agent,omitempty" jsonschema:"description=the case's owner when it was rated"`
	Attitude int       `json:"attitude"`
	Speed    int       `json:"speed"`
	Result   int       `json:"result"`
	Comment  string    `json:"comment,omitempty"`
	Low      bool      `json:"low" jsonschema:"description=a score of 2 or less: a follow-up was opened"`
	At       time.Time `json:"at"`
	// FollowUp is the follow-up task a low score opened (on the answer that opened it).
	FollowUp string `json:"follow_up,omitempty"`
}

func surveyView(s *store.Survey) SurveyView {
	ds := desk.Survey{Attitude: s.Attitude, Speed: s.Speed, Result: s.Result}
	return SurveyView{CaseID: s.CaseID, Number: s.Number, Merchant: s.Merchant, Category: s.Category, Agent: s.Agent,
		Attitude: s.Attitude, Speed: s.Speed, Result: s.Result, Comment: s.Comment, Low: ds.Low(), At: s.At}
}

// SurveyList is one page of ratings and their averages.
type SurveyList struct {
	Surveys []SurveyView `json:"surveys"`
	Next    string       `json:"next_cursor,omitempty"`
}

// surveyable reports whether a case's customer may rate it now: it has ended.
func surveyable(c *aftersale.Case) bool {
	return c.State == aftersale.Completed || c.State == aftersale.Closed
}

// SubmitSurvey records the customer's rating of a completed case, once (a second answer
// is a conflict). A score of 2 or less on any question opens one follow-up task for a
// supervisor, due in one business day.
func (a *App) SubmitSurvey(ctx context.Context, p Principal, caseID string, in desk.Survey, idem *Idempotency) (Reply[SurveyView], error) {
	if p.Role != RoleCustomer {
		return Reply[SurveyView]{}, errForbidden("只有买家可以评价", "only the customer rates a case")
	}
	in.Comment = strings.TrimSpace(text.Clean(in.Comment))
	if err := in.Check(); err != nil {
		return Reply[SurveyView]{}, deskErr(err)
	}
	return write(ctx, a, p, idem, auditTarget{"case.survey", "case", caseID}, func(tx *txn) (*SurveyView, int, error) {
		rec, err := a.loadCase(ctx, tx, p, opReadCase, caseID)
		if err != nil {
			return nil, 0, err
		}
		c := &rec.Case
		if !surveyable(c) {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "售后单完成后才能评价", EN: "a case is rated once it has ended"}}
		}
		s := store.Survey{CaseID: c.ID, Number: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID, Agent: c.Assignee,
			Attitude: in.Attitude, Speed: in.Speed, Result: in.Result, Comment: in.Comment, At: tx.Now()}
		if o, err := tx.Order(ctx, c.OrderNo, false); err == nil && len(c.Items) > 0 {
			if i := slices.IndexFunc(o.Items, func(it order.Item) bool { return it.SKU == c.Items[0].SKU }); i >= 0 {
				s.Category = o.Items[i].Category
			}
		}
		if err := tx.InsertSurvey(ctx, s); errors.Is(err, store.ErrConflict) {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "这张售后单已评价过", EN: "this case has been rated already"}}
		} else if err != nil {
			return nil, 0, err
		}
		v := surveyView(&s)
		if in.Low() {
			id, err := a.openFollowUp(ctx, tx, c, &in)
			if err != nil {
				return nil, 0, err
			}
			v.FollowUp = id
		}
		return &v, 201, tx.audit(ctx, "case.survey", "case", c.ID, map[string]any{"attitude": in.Attitude, "speed": in.Speed, "result": in.Result, "low": in.Low()})
	})
}

// openFollowUp opens the follow-up (回访) of a low score, for the supervisors: one per
// case (the task's key).
func (a *App) openFollowUp(ctx context.Context, tx *txn, c *aftersale.Case, s *desk.Survey) (string, error) {
	now := tx.Now()
	t := task.Task{ID: uuid.NewString(), Kind: task.FollowUp, Key: "survey/" + c.ID, State: task.Open,
		CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID,
		Title: Text{ZH: fmt.Sprintf("低满意度回访:%s(态度 %d、速度 %d、结果 %d)", c.Number, s.Attitude, s.Speed, s.Result),
			EN: fmt.Sprintf("Low satisfaction follow-up: %s (attitude %d, speed %d, result %d)", c.Number, s.Attitude, s.Speed, s.Result)},
		Detail: s.Comment, DueAt: a.engine.Calendar().AddBusinessHours(now, 8*time.Hour), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertTask(ctx, &t); errors.Is(err, store.ErrConflict) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if err := a.taskOpened(ctx, tx, &t, []string{string(RoleSupervisor)}); err != nil {
		return "", err
	}
	return t.ID, nil
}

// taskOpened tells the people of roles about a new task.
func (a *App) taskOpened(ctx context.Context, tx *txn, t *task.Task, to []string) error {
	b := mustJSON(map[string]any{"case_id": t.CaseID, "number": t.CaseNumber, "merchant": t.Merchant, "customer": t.Customer,
		"to": to, "task_id": t.ID, "task": t.Title.ZH, "kind": t.Kind})
	if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "notify.task.opened", Key: t.ID, Payload: b}); err != nil {
		return err
	}
	return tx.audit(ctx, "task.open", "task", t.ID, map[string]any{"kind": t.Kind, "case": t.CaseNumber})
}

// GetSurvey returns a case's rating: its customer, its merchant and the desk see it.
func (a *App) GetSurvey(ctx context.Context, p Principal, caseID string) (*SurveyView, error) {
	var v SurveyView
	err := a.store.View(ctx, func(tx store.Tx) error {
		if _, err := a.loadCase(ctx, tx, p, opReadCase, caseID); err != nil {
			return err
		}
		s, err := tx.Survey(ctx, caseID)
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Code: CodeNotFound, Message: Text{ZH: "尚未评价", EN: "not rated yet"}}
		} else if err != nil {
			return err
		}
		v = surveyView(&s)
		return nil
	})
	return &v, fromCore(err)
}

// SurveyQueryInput selects ratings (GET /api/v1/surveys).
type SurveyQueryInput struct {
	Merchant string
	Agent    string
	Low      bool
	From, To time.Time
	Cursor   string
	Limit    int
}

// ListSurveys lists ratings: a merchant's staff their own, the desk those of the
// merchants it serves.
func (a *App) ListSurveys(ctx context.Context, p Principal, in SurveyQueryInput) (*SurveyList, error) {
	if p.Role != RoleMerchant && mayDesk(p) != nil {
		return nil, errForbidden("只有客服和商家可以查看评价", "ratings are for the service desk and merchants")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return nil, errInvalid("limit", "每页 1–500 条", "limit must be 1–500")
	}
	scope := scopeOf(p, in.Merchant, "")
	if !scope.ok {
		return &SurveyList{Surveys: []SurveyView{}}, nil
	}
	q := store.SurveyQuery{Merchant: scope.merchant, Merchants: scope.merchants, Agent: in.Agent, Low: in.Low, From: in.From, To: in.To, Cursor: in.Cursor, Limit: in.Limit}
	out := &SurveyList{Surveys: []SurveyView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		ss, next, err := tx.ListSurveys(ctx, q)
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		}
		for i := range ss {
			out.Surveys = append(out.Surveys, surveyView(&ss[i]))
		}
		out.Next = next
		return err
	})
	return out, fromCore(err)
}

// TaskInput is a task opened by hand: a follow-up, a call back, an out-of-stock outreach
// or a reminder, about a case or not, due in business hours (or at a time).
type TaskInput struct {
	Kind     string     `json:"kind" jsonschema:"enum=follow_up,enum=callback,enum=outreach,enum=reminder"`
	CaseID   string     `json:"case_id,omitempty"`
	Title    string     `json:"title"`
	Detail   string     `json:"detail,omitempty"`
	Assignee string     `json:"assignee,omitempty" jsonschema:"description=a staff username\\, me\\, or empty for the queue"`
	DueAt    *time.Time `json:"due_at,omitempty" jsonschema:"description=when it is due; or due_in_hours"`
	// DueInHours counts business hours on the calendar (outreach: 24 by default).
	DueInHours int `json:"due_in_hours,omitempty"`
}

// CreateTask opens a task by hand (the desk: agents and supervisors).
func (a *App) CreateTask(ctx context.Context, p Principal, in TaskInput, idem *Idempotency) (Reply[TaskView], error) {
	if p.Role != RoleAgent && p.Role != RoleSupervisor {
		return Reply[TaskView]{}, errForbidden("只有平台客服可以创建任务", "only the platform's service desk opens tasks")
	}
	in.Title, in.Detail = text.Clean(in.Title), strings.TrimSpace(text.Clean(in.Detail))
	kind := task.Kind(in.Kind)
	switch {
	case !slices.Contains(task.Manual, kind):
		return Reply[TaskView]{}, errInvalid("kind", "类型应为 follow_up、callback、outreach 或 reminder", "kind must be follow_up, callback, outreach or reminder")
	case in.Title == "":
		return Reply[TaskView]{}, errInvalid("title", "请填写标题", "the title is required")
	case utf8.RuneCountInString(in.Title) > 200:
		return Reply[TaskView]{}, errInvalid("title", "标题不能超过 200 字", "the title is longer than 200 characters")
	case utf8.RuneCountInString(in.Detail) > 4000:
		return Reply[TaskView]{}, errInvalid("detail", "说明不能超过 4000 字", "the detail is longer than 4000 characters")
	case in.DueInHours < 0 || in.DueInHours > 24*60:
		return Reply[TaskView]{}, errInvalid("due_in_hours", "应为 0–1440 个工作小时", "due_in_hours must be 0–1440 business hours")
	case in.DueAt != nil && in.DueInHours > 0:
		return Reply[TaskView]{}, errInvalid("due_at", "due_at 与 due_in_hours 只能填一个", "give due_at or due_in_hours, not both")
	}
	return write(ctx, a, p, idem, auditTarget{"task.open", "task", ""}, func(tx *txn) (*TaskView, int, error) {
		now := tx.Now()
		t := task.Task{ID: uuid.NewString(), Kind: kind, State: task.Open, Title: Text{ZH: in.Title, EN: in.Title},
			Detail: in.Detail, Version: 1, CreatedAt: now, UpdatedAt: now}
		t.Key = "manual/" + t.ID
		if in.CaseID != "" {
			rec, err := a.loadCase(ctx, tx, p, opReadCase, in.CaseID)
			if ErrorCode(err) == CodeNotFound {
				return nil, 0, errInvalid("case_id", "找不到该售后单", "no such case")
			} else if err != nil {
				return nil, 0, err
			}
			t.CaseID, t.CaseNumber, t.Merchant, t.Customer = rec.Case.ID, rec.Case.Number, rec.Case.MerchantID, rec.Case.CustomerID
		} else if len(p.Scope) == 1 {
			t.Merchant = p.Scope[0]
		}
		switch hours := in.DueInHours; {
		case in.DueAt != nil:
			if !in.DueAt.After(now) {
				return nil, 0, errInvalid("due_at", "到期时间应在将来", "due_at must be in the future")
			}
			t.DueAt = in.DueAt.UTC()
		case hours == 0 && kind == task.Outreach:
			hours = 24 // 缺货: tell the customer within 24 business hours
			fallthrough
		case hours > 0:
			t.DueAt = a.engine.Calendar().AddBusinessHours(now, time.Duration(hours)*time.Hour)
		}
		if in.Assignee != "" {
			name, err := ownerFor(ctx, tx, p, in.Assignee, t.Merchant)
			if err != nil {
				return nil, 0, err
			}
			t.Assignee = name
		}
		if err := tx.InsertTask(ctx, &t); err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "task.open", "task", t.ID, map[string]any{"kind": t.Kind, "case": t.CaseNumber, "assignee": t.Assignee}); err != nil {
			return nil, 0, err
		}
		v := taskView(&t)
		return &v, 201, nil
	})
}

// mustJSON marshals a value the program built (maps of strings and numbers).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
