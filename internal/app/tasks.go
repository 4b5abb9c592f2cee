package app

import (
	"context"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/task"
	"github.com/aftersales/aftersales/internal/text"
)

// TaskView is a task as the service desk sees it.
type TaskView struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	KindLabel  Text       `json:"kind_label"`
	Rule       string     `json:"rule,omitempty"`
	State      string     `json:"state"`
	Title      Text       `json:"title"`
	Detail     string     `json:"detail,omitempty"`
	CaseID     string     `json:"case_id,omitempty"`
	CaseNumber string     `json:"case_number,omitempty"`
	Merchant   string     `json:"merchant,omitempty"`
	Carrier    string     `json:"carrier,omitempty"`
	TrackingNo string     `json:"tracking_no,omitempty"`
	Assignee   string     `json:"assignee,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	Note       string     `json:"note,omitempty"`
	DoneBy     string     `json:"done_by,omitempty"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	Version    int        `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func taskView(t *task.Task) TaskView {
	return TaskView{ID: t.ID, Kind: string(t.Kind), KindLabel: t.Kind.Label(), Rule: t.Rule, State: string(t.State), Title: t.Title,
		Detail: t.Detail, CaseID: t.CaseID, CaseNumber: t.CaseNumber, Merchant: t.Merchant, Carrier: t.Carrier, TrackingNo: t.TrackingNo,
		Assignee: t.Assignee, DueAt: optTime(t.DueAt), Note: t.Note, DoneBy: t.DoneBy, DoneAt: optTime(t.DoneAt),
		Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// TaskListQuery selects tasks (GET /api/v1/tasks).
type TaskListQuery struct {
	Kind     string // a kind, or a rule of a shipment exception (lost, stale …)
	State    string
	Assignee string // a username, or "me"
	CaseID   string
	Cursor   string
	Limit    int
}

// TaskList is one page of tasks.
type TaskList struct {
	Tasks []TaskView `json:"tasks"`
	Next  string     `json:"next,omitempty"`
}

// mayWorkTasks: the platform's service desk works tasks; admins see them.
func mayWorkTasks(p Principal) error {
	if p.Role != RoleAgent && p.Role != RoleSupervisor && p.Role != RoleAdmin {
		return errForbidden("只有平台客服可以处理任务", "only the platform's service desk works on tasks")
	}
	return nil
}

// ListTasks lists the tasks p may see: an agent's or supervisor's merchants' (all for
// those who serve all), newest first.
func (a *App) ListTasks(ctx context.Context, p Principal, q TaskListQuery) (*TaskList, error) {
	if err := mayWorkTasks(p); err != nil {
		return nil, err
	}
	sq := store.TaskQuery{State: task.State(q.State), CaseID: q.CaseID, Cursor: q.Cursor, Limit: q.Limit}
	switch k := task.Kind(q.Kind); {
	case q.Kind == "":
	case k.Valid():
		sq.Kind = k
	default:
		sq.Rule = q.Kind // a rule names its kind of shipment exception
		sq.Kind = task.ShipmentException
	}
	if q.State != "" && !sq.State.Valid() {
		return nil, errInvalid("state", "状态应为 open 或 done", "state must be open or done")
	}
	if q.Limit < 0 || q.Limit > 500 {
		return nil, errInvalid("limit", "每页 1–500 条", "limit must be 1–500")
	}
	if len(p.Scope) > 0 {
		sq.Merchants = p.Scope
	}
	var out TaskList
	err := a.store.View(ctx, func(tx store.Tx) error {
		if q.Assignee != "" {
			name, err := assigneeName(ctx, tx, p, q.Assignee)
			if err != nil {
				return err
			}
			sq.Assignee = name
		}
		ts, next, err := tx.ListTasks(ctx, sq)
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		} else if err != nil {
			return err
		}
		out.Tasks, out.Next = make([]TaskView, len(ts)), next
		for i := range ts {
			out.Tasks[i] = taskView(&ts[i])
		}
		return nil
	})
	return &out, err
}

// assigneeName turns "me" into the principal's username.
func assigneeName(ctx context.Context, tx store.Tx, p Principal, name string) (string, error) {
	if name != "me" {
		return name, nil
	}
	me := staffName(ctx, tx, p)
	if me == "" {
		return "", errInvalid("assignee", "“me” 仅适用于员工账号", "“me” needs a staff account (a session, or a token made with --user)")
	}
	return me, nil
}

// TaskActInput is an action on a task: assign (assignee: a staff username, "me", or ""
// for the queue) or done (with a note).
type TaskActInput struct {
	Action   string `json:"action"`
	Assignee string `json:"assignee,omitempty"`
	Note     string `json:"note,omitempty"`
	// Version, when given, must be the task's (a stale one is a conflict).
	Version int `json:"version,omitempty"`
}

// TaskAct assigns a task or marks it done.
func (a *App) TaskAct(ctx context.Context, p Principal, id string, in TaskActInput, idem *Idempotency) (Reply[TaskView], error) {
	if err := mayWorkTasks(p); err != nil {
		return Reply[TaskView]{}, err
	}
	if p.Role == RoleAdmin {
		return Reply[TaskView]{}, errForbidden("管理员只能查看任务", "admins see tasks; the service desk works them")
	}
	in.Note = text.Clean(in.Note)
	return write(ctx, a, p, idem, auditTarget{"task." + in.Action, "task", id}, func(tx *txn) (*TaskView, int, error) {
		t, err := tx.Task(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("task")
		} else if err != nil {
			return nil, 0, err
		}
		if !p.sees(owner{merchant: t.Merchant}) {
			return nil, 0, errNotFound("task")
		}
		if in.Version != 0 && in.Version != t.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "任务已更新,请刷新后重试", EN: "the task has changed; reload and try again"}, Version: int64(t.Version)}
		}
		actor, err := assigneeName(ctx, tx, p, "me")
		if err != nil {
			actor = p.ID
		}
		cmd := task.Command{Action: task.Action(in.Action), Note: in.Note, Actor: actor}
		if cmd.Action == task.Assign && in.Assignee != "" {
			name, err := assigneeName(ctx, tx, p, in.Assignee)
			if err != nil {
				return nil, 0, err
			}
			u, err := tx.UserByUsername(ctx, name)
			if err != nil || !u.DisabledAt.IsZero() || (u.Role != string(RoleAgent) && u.Role != string(RoleSupervisor)) {
				return nil, 0, errInvalid("assignee", "请填写在职客服或主管的用户名", "assignee must be the username of an active agent or supervisor")
			}
			cmd.Assignee = u.Username
		}
		next, err := task.Apply(t, cmd, tx.Now())
		var fe *task.FieldError
		var ce *task.ConflictError
		switch {
		case errors.As(err, &fe):
			return nil, 0, errInvalid(fe.Field, fe.Message.ZH, fe.Message.EN)
		case errors.As(err, &ce):
			return nil, 0, &Error{Code: CodeConflict, Message: ce.Why}
		case err != nil:
			return nil, 0, err
		}
		if err := tx.UpdateTask(ctx, &next); err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "task."+in.Action, "task", id, map[string]any{"assignee": next.Assignee, "kind": next.Kind}); err != nil {
			return nil, 0, err
		}
		v := taskView(&next)
		return &v, 200, nil
	})
}
