package app

import (
	"errors"
	"fmt"
	"github.com/aftersales/aftersales/internal/analytics"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// Code classifies an error for the transport layers; the HTTP layer maps each code to a
// status in one place.
type Code string

// Error codes.
const (
	CodeInvalid      Code = "invalid"      // a field is missing or wrong (422)
	CodeMalformed    Code = "malformed"    // the request cannot be read at all (400)
	CodeRefused      Code = "refused"      // the policy refuses the application (422)
	CodeNotFound     Code = "not_found"    // absent, or someone else's (404)
	CodeConflict     Code = "conflict"     // stale version or an action the state does not allow (409)
	CodeForbidden    Code = "forbidden"    // the role may not do this at all (403)
	CodeUnauthorized Code = "unauthorized" // no valid credentials (401)
	CodeTooLarge     Code = "too_large"    // an upload over the limit (413)
	CodeUnsupported  Code = "unsupported"  // an upload of a type we do not accept (415)
	CodeQuota        Code = "quota"        // an uploader's quota for the day is used up (429, Retry-After)
	CodeInternal     Code = "internal"     // a bug or an outage (500)
)

// Text is a user-facing string in both languages.
type Text = aftersale.Text

// FieldError is a problem with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message Text   `json:"message"`
}

// Error is what every command and query returns when it fails. Message is safe to show to
// the user; Err (never shown) keeps the cause for logs.
type Error struct {
	Code     Code
	Message  Text
	Fields   []FieldError
	Allowed  []aftersale.Action // for conflicts: what the caller may do now
	Version  int64              // for conflicts: the case's current version
	Decision *policy.Decision   // for refusals: the policy's decision and explanation
	// RetryAfter is, for a used-up quota, how long until the request may succeed.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message.EN
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of err, CodeInternal for errors that are not *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

func errNotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: Text{ZH: "未找到" + notFoundZH[what], EN: what + " not found"}}
}

var notFoundZH = map[string]string{"dispute": "纠纷", "complaint": "投诉", "case": "售后单", "order": "订单", "attachment": "附件", "merchant": "商家", "customer": "客户",
	"reply": "话术", "article": "文章", "review": "质检记录", "task": "任务", "report": "报表", "schedule": "定时报表"}

func errForbidden(zh, en string) *Error {
	return &Error{Code: CodeForbidden, Message: Text{ZH: zh, EN: en}}
}

func errInvalid(field, zh, en string) *Error {
	return &Error{Code: CodeInvalid, Message: Text{ZH: "请求内容有误", EN: "the request has invalid fields"},
		Fields: []FieldError{{Field: field, Message: Text{ZH: zh, EN: en}}}}
}

func errInternal(err error) *Error {
	return &Error{Code: CodeInternal, Message: Text{ZH: "服务器内部错误", EN: "internal error"}, Err: err}
}

// fromCore turns the core's typed errors into application errors.
func fromCore(err error) error {
	if err == nil {
		return nil
	}
	var na *aftersale.NotAllowedError
	var cna *complaint.NotAllowedError
	var inv *aftersale.InvalidError
	var in *policy.InputError
	var af *analytics.FieldError
	switch {
	case errors.As(err, &na):
		return &Error{Code: CodeConflict, Message: Text{
			ZH: fmt.Sprintf("当前状态“%s”下不能执行“%s”:%s", na.State.Label().ZH, na.Action.Label().ZH, na.Why.ZH),
			EN: fmt.Sprintf("%s is not possible in state %s: %s", na.Action, na.State, na.Why.EN),
		}, Allowed: na.Allowed, Err: err}
	case errors.As(err, &cna):
		return &Error{Code: CodeConflict, Message: Text{
			ZH: fmt.Sprintf("投诉当前状态“%s”下不能执行“%s”", cna.State.Label().ZH, cna.Action.Label().ZH),
			EN: fmt.Sprintf("%s is not possible on a complaint that is %s", cna.Action, cna.State),
		}, Allowed: asActions(cna.Allowed), Err: err}
	case errors.As(err, &inv):
		return &Error{Code: CodeInvalid, Message: Text{ZH: "请求内容有误", EN: "the request has invalid fields"},
			Fields: []FieldError{{Field: inv.Field, Message: inv.Message}}, Err: err}
	case errors.As(err, &af):
		return errInvalid(af.Field, af.Zh, af.En)
	case errors.As(err, &in):
		return &Error{Code: CodeInvalid, Message: Text{ZH: "请求内容有误", EN: "the request has invalid fields"},
			Fields: []FieldError{{Field: in.Field, Message: in.Message}}, Err: err}
	}
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrConflict):
		return &Error{Code: CodeConflict, Message: Text{ZH: "数据已被他人修改,请刷新后重试", EN: "it was changed by someone else; reload and try again"}, Err: err}
	case errors.Is(err, store.ErrExceeded):
		return &Error{Code: CodeConflict, Message: Text{ZH: "可申请的数量或金额已不足", EN: "the units or money asked for are no longer available on the order"}, Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: CodeNotFound, Message: Text{ZH: "未找到", EN: "not found"}, Err: err}
	}
	return errInternal(err)
}
