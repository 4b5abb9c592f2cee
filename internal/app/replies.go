package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// Canned replies (话术): titles and bodies in both languages with variables filled per
// case, kept by the platform (its desk) or by a merchant (its staff).

// ReplyInput is a canned reply to create or change.
type ReplyInput struct {
	Title    Text   `json:"title"`
	Body     Text   `json:"body" jsonschema:"description=zh and en bodies; variables: {{customer_name}} {{rma}} {{order_no}} {{deadline}} {{refund_amount}} {{state}} {{merchant}} {{agent_name}}"`
	Scope    string `json:"scope,omitempty" jsonschema:"enum=platform,enum=merchant,description=platform (the desk's; the default for platform staff) or merchant (a merchant's staff: always)"`
	Merchant string `json:"merchant,omitempty" jsonschema:"description=scope merchant: whose (a merchant's staff: their own)"`
	Shortcut string `json:"shortcut,omitempty" jsonschema:"description=typed after / on the case page"`
	// Version, on a change, must be the stored one.
	Version int `json:"version,omitempty"`
}

// ReplyView is a canned reply.
type ReplyView struct {
	ID        string    `json:"id"`
	Title     Text      `json:"title"`
	Body      Text      `json:"body"`
	Scope     string    `json:"scope"`
	Merchant  string    `json:"merchant,omitempty"`
	Shortcut  string    `json:"shortcut,omitempty"`
	Version   int       `json:"version"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Rendered is the body filled for a case, in the language asked (GET with case=).
	Rendered string `json:"rendered,omitempty"`
}

// ReplyList is the canned replies a person may use.
type ReplyList struct {
	Replies []ReplyView `json:"replies"`
	// Variables are the names a body may use.
	Variables []string `json:"variables"`
}

func replyView(r *store.CannedReply) ReplyView {
	return ReplyView{ID: r.ID, Title: r.Title, Body: r.Body, Scope: r.Scope, Merchant: r.Merchant, Shortcut: r.Shortcut,
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// mayReplies: the people who answer customers: merchants' staff and the platform's desk
// (admins keep the platform's replies too).
func mayReplies(p Principal) error {
	switch p.Role {
	case RoleMerchant, RoleAgent, RoleSupervisor, RoleAdmin:
		return nil
	}
	return errForbidden("只有客服和商家可以使用话术", "canned replies are for the service desk and merchants")
}

// mayEditReply reports whether p may change r: a merchant's staff their merchant's,
// supervisors and admins the platform's and those of merchants they serve; agents none.
func mayEditReply(p Principal, scope, merchant string) error {
	switch {
	case p.Role == RoleMerchant && scope == "merchant" && merchant == p.Merchant:
	case (p.Role == RoleSupervisor || p.Role == RoleAdmin) && (scope == "platform" || p.sees(owner{merchant: merchant})):
	default:
		return errForbidden("你不能修改这条话术", "you may not change this canned reply")
	}
	return nil
}

const (
	maxReplyTitle = 100
	maxReplyBody  = 4000
)

func (in *ReplyInput) clean(p Principal) error {
	in.Title = Text{ZH: text.Clean(in.Title.ZH), EN: text.Clean(in.Title.EN)}
	in.Body = Text{ZH: strings.TrimSpace(text.Clean(in.Body.ZH)), EN: strings.TrimSpace(text.Clean(in.Body.EN))}
	in.Shortcut = strings.TrimSpace(in.Shortcut)
	if p.Role == RoleMerchant {
		in.Scope, in.Merchant = "merchant", p.Merchant
	}
	if in.Scope == "" {
		in.Scope = "platform"
	}
	switch {
	case in.Title.ZH == "" && in.Title.EN == "":
		return errInvalid("title", "请填写标题", "the title is required")
	case utf8.RuneCountInString(in.Title.ZH) > maxReplyTitle || utf8.RuneCountInString(in.Title.EN) > maxReplyTitle:
		return errInvalid("title", "标题不能超过 100 字", "the title is longer than 100 characters")
	case in.Body.ZH == "" && in.Body.EN == "":
		return errInvalid("body", "请至少填写一种语言的正文", "write the body in at least one language")
	case utf8.RuneCountInString(in.Body.ZH) > maxReplyBody:
		return errInvalid("body.zh", "正文不能超过 4000 字", "the body is longer than 4000 characters")
	case utf8.RuneCountInString(in.Body.EN) > maxReplyBody:
		return errInvalid("body.en", "正文不能超过 4000 字", "the body is longer than 4000 characters")
	case in.Scope != "platform" && in.Scope != "merchant":
		return errInvalid("scope", "范围应为 platform 或 merchant", "scope must be platform or merchant")
	case in.Scope == "merchant" && in.Merchant == "":
		return errInvalid("merchant", "商家话术需要指定商家", "a merchant's reply names the merchant")
	case in.Scope == "platform" && in.Merchant != "":
		return errInvalid("merchant", "平台话术不属于商家", "a platform reply names no merchant")
	case len(in.Shortcut) > 40 || strings.ContainsAny(in.Shortcut, " \t/"):
		return errInvalid("shortcut", "快捷词最多 40 个字符,不含空格或 /", "the shortcut is at most 40 characters, without spaces or /")
	}
	// Fill a missing language from the other, so a reply is never sent empty.
	if in.Title.ZH == "" {
		in.Title.ZH = in.Title.EN
	} else if in.Title.EN == "" {
		in.Title.EN = in.Title.ZH
	}
	if err := desk.CheckTemplate("body.zh", in.Body.ZH); err != nil {
		return deskErr(err)
	}
	return deskErr(desk.CheckTemplate("body.en", in.Body.EN))
}

// ListReplies lists the canned replies p may use: the platform's and, for a merchant's
// staff, their merchant's; for the desk also the merchants' they serve (merchant= narrows
// to one). query filters by title and body.
func (a *App) ListReplies(ctx context.Context, p Principal, merchant, scope, query string) (*ReplyList, error) {
	if err := mayReplies(p); err != nil {
		return nil, err
	}
	q := store.ReplyQuery{Merchant: merchant, Scope: scope, Query: text.Clean(query)}
	switch {
	case scope != "" && scope != "platform" && scope != "merchant":
		return nil, errInvalid("scope", "范围应为 platform 或 merchant", "scope must be platform or merchant")
	case utf8.RuneCountInString(q.Query) > 100:
		return nil, errInvalid("q", "搜索内容最多 100 个字符", "the search is at most 100 characters")
	case p.Role == RoleMerchant:
		q.Merchant = p.Merchant
	case merchant != "" && !p.sees(owner{merchant: merchant}):
		return &ReplyList{Replies: []ReplyView{}, Variables: desk.Variables}, nil
	case merchant == "":
		q.AllMerchants = true // the desk: every merchant it serves (filtered below)
	}
	out := &ReplyList{Replies: []ReplyView{}, Variables: desk.Variables}
	err := a.store.View(ctx, func(tx store.Tx) error {
		rs, err := tx.ListReplies(ctx, q)
		for i := range rs {
			if rs[i].Scope == "merchant" && !p.sees(owner{merchant: rs[i].Merchant}) {
				continue
			}
			out.Replies = append(out.Replies, replyView(&rs[i]))
		}
		return err
	})
	return out, fromCore(err)
}

// CreateReply stores a new canned reply.
func (a *App) CreateReply(ctx context.Context, p Principal, in ReplyInput) (*ReplyView, error) {
	if err := mayReplies(p); err != nil {
		return nil, err
	}
	if err := in.clean(p); err != nil {
		return nil, err
	}
	if err := mayEditReply(p, in.Scope, in.Merchant); err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"reply.create", "reply", ""}, func(tx *txn) (*ReplyView, int, error) {
		if in.Merchant != "" {
			if _, err := tx.Merchant(ctx, in.Merchant); errors.Is(err, store.ErrNotFound) {
				return nil, 0, errInvalid("merchant", "没有这个商家", "no such merchant")
			} else if err != nil {
				return nil, 0, err
			}
		}
		now := tx.Now()
		r := store.CannedReply{ID: uuid.NewString(), Scope: in.Scope, Merchant: in.Merchant, Title: in.Title, Body: in.Body,
			Shortcut: in.Shortcut, CreatedBy: actorName(ctx, tx, p), Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertReply(ctx, &r); err != nil {
			return nil, 0, err
		}
		v := replyView(&r)
		return &v, 201, tx.audit(ctx, "reply.create", "reply", r.ID, map[string]any{"scope": r.Scope, "merchant": r.Merchant})
	})
	return r.Value, err
}

// loadReply reads a reply p may see; someone else's is not found.
func loadReply(ctx context.Context, tx store.Tx, p Principal, id string) (store.CannedReply, error) {
	r, err := tx.Reply(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && r.Scope == "merchant" && !p.sees(owner{merchant: r.Merchant}) {
		return r, errNotFound("reply")
	}
	return r, err
}

// GetReply returns a canned reply p may use.
func (a *App) GetReply(ctx context.Context, p Principal, id string) (*ReplyView, error) {
	if err := mayReplies(p); err != nil {
		return nil, err
	}
	var v ReplyView
	err := a.store.View(ctx, func(tx store.Tx) error {
		r, err := loadReply(ctx, tx, p, id)
		v = replyView(&r)
		return err
	})
	return &v, fromCore(err)
}

// UpdateReply changes a canned reply (the version must be the stored one).
func (a *App) UpdateReply(ctx context.Context, p Principal, id string, in ReplyInput) (*ReplyView, error) {
	if err := mayReplies(p); err != nil {
		return nil, err
	}
	if err := in.clean(p); err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"reply.update", "reply", id}, func(tx *txn) (*ReplyView, int, error) {
		r, err := loadReply(ctx, tx, p, id)
		if err != nil {
			return nil, 0, err
		}
		if err := mayEditReply(p, r.Scope, r.Merchant); err != nil {
			return nil, 0, err
		}
		if in.Scope != r.Scope || in.Merchant != r.Merchant {
			return nil, 0, errInvalid("scope", "话术的范围不能修改", "a reply's scope and merchant do not change")
		}
		if in.Version != r.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "话术已被修改,请刷新后重试", EN: "the reply has changed; reload and try again"}, Version: int64(r.Version)}
		}
		r.Title, r.Body, r.Shortcut, r.UpdatedAt = in.Title, in.Body, in.Shortcut, tx.Now()
		r.Version++
		if err := tx.UpdateReply(ctx, &r); err != nil {
			return nil, 0, err
		}
		v := replyView(&r)
		return &v, 200, tx.audit(ctx, "reply.update", "reply", r.ID, map[string]any{"version": r.Version})
	})
	return r.Value, err
}

// DeleteReply removes a canned reply.
func (a *App) DeleteReply(ctx context.Context, p Principal, id string) error {
	if err := mayReplies(p); err != nil {
		return err
	}
	_, err := write(ctx, a, p, nil, auditTarget{"reply.delete", "reply", id}, func(tx *txn) (*struct{}, int, error) {
		r, err := loadReply(ctx, tx, p, id)
		if err != nil {
			return nil, 0, err
		}
		if err := mayEditReply(p, r.Scope, r.Merchant); err != nil {
			return nil, 0, err
		}
		if err := tx.DeleteReply(ctx, id); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 204, tx.audit(ctx, "reply.delete", "reply", id, map[string]any{"scope": r.Scope, "merchant": r.Merchant})
	})
	return err
}

// RenderReply fills a canned reply for a case in a language (zh or en): the case must be
// one p may see, the reply one p may use on it.
func (a *App) RenderReply(ctx context.Context, p Principal, id, caseID, lang string) (*ReplyView, error) {
	if err := mayReplies(p); err != nil {
		return nil, err
	}
	var v ReplyView
	err := a.store.View(ctx, func(tx store.Tx) error {
		r, err := loadReply(ctx, tx, p, id)
		if err != nil {
			return err
		}
		rec, err := a.loadCase(ctx, tx, p, opReadCase, caseID)
		if err != nil {
			return err
		}
		if r.Scope == "merchant" && r.Merchant != rec.Case.MerchantID {
			return errInvalid("case", "这条话术属于另一个商家", "this reply belongs to another merchant")
		}
		v = replyView(&r)
		v.Rendered = desk.Render(replyBody(&r, lang), a.replyVars(ctx, tx, p, &rec.Case, lang))
		return nil
	})
	return &v, fromCore(err)
}

// replyBody is a reply's body in lang (zh, or en), the other language when it has none.
func replyBody(r *store.CannedReply, lang string) string {
	if lang == "en" && r.Body.EN != "" || r.Body.ZH == "" {
		return r.Body.EN
	}
	return r.Body.ZH
}

// CaseReplies lists the canned replies p may use on a case — the platform's and the
// case's merchant's (scope narrows, query searches) — each rendered for the case in lang:
// one read, the case's values gathered once.
func (a *App) CaseReplies(ctx context.Context, p Principal, caseID, lang, scope, query string) (*ReplyList, error) {
	if err := mayReplies(p); err != nil {
		return nil, err
	}
	q := store.ReplyQuery{Scope: scope, Query: text.Clean(query)}
	switch {
	case scope != "" && scope != "platform" && scope != "merchant":
		return nil, errInvalid("scope", "范围应为 platform 或 merchant", "scope must be platform or merchant")
	case utf8.RuneCountInString(q.Query) > 100:
		return nil, errInvalid("q", "搜索内容最多 100 个字符", "the search is at most 100 characters")
	}
	out := &ReplyList{Replies: []ReplyView{}, Variables: desk.Variables}
	err := a.store.View(ctx, func(tx store.Tx) error {
		rec, err := a.loadCase(ctx, tx, p, opReadCase, caseID)
		if err != nil {
			return err
		}
		q.Merchant = rec.Case.MerchantID
		rs, err := tx.ListReplies(ctx, q)
		if err != nil {
			return err
		}
		vars := a.replyVars(ctx, tx, p, &rec.Case, lang)
		for i := range rs {
			v := replyView(&rs[i])
			v.Rendered = desk.Render(replyBody(&rs[i], lang), vars)
			out.Replies = append(out.Replies, v)
		}
		return nil
	})
	return out, fromCore(err)
}

// replyVars are a case's values for the canned replies' variables, in lang.
func (a *App) replyVars(ctx context.Context, tx store.Tx, p Principal, c *aftersale.Case, lang string) map[string]string {
	loc := a.engine.Calendar().Location()
	vars := map[string]string{"rma": c.Number, "order_no": c.OrderNo, "merchant": c.MerchantID,
		"refund_amount": c.RefundAmount.Format(lang), "agent_name": actorName(ctx, tx, p)}
	if lang == "en" {
		vars["state"] = c.State.Label().EN
	} else {
		vars["state"] = c.State.Label().ZH
	}
	if cu, err := tx.Customer(ctx, c.CustomerID); err == nil {
		vars["customer_name"] = cu.Name
	}
	if m, err := tx.Merchant(ctx, c.MerchantID); err == nil && m.Name != "" {
		vars["merchant"] = m.Name
	}
	var next time.Time
	for _, d := range c.Deadlines {
		if next.IsZero() || d.Due.Before(next) {
			next = d.Due
		}
	}
	if !next.IsZero() {
		vars["deadline"] = next.In(loc).Format("2006-01-02 15:04")
	}
	return vars
}

// actorName is how a person is named in what they write: a staff account's display name
// (or username), else the principal's id.
func actorName(ctx context.Context, tx store.Tx, p Principal) string {
	if p.User != "" {
		if u, err := tx.User(ctx, p.User); err == nil {
			if u.DisplayName != "" {
				return u.DisplayName
			}
			return u.Username
		}
	}
	return p.ID
}
