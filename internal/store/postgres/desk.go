package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// DeskRules returns the stored assignment rules, byte for byte (a json column), and their
// version.
func (t *Tx) DeskRules(ctx context.Context) ([]byte, int, error) {
	return t.rulesDoc(ctx, "desk_rules", "desk rules")
}

// SaveDeskRules stores the rules as version (see saveRulesDoc).
func (t *Tx) SaveDeskRules(ctx context.Context, body []byte, version int) error {
	return t.saveRulesDoc(ctx, "desk_rules", "desk rules", body, version)
}

// rulesDoc returns a one-row table's JSON document (a set of rules kept whole, by version)
// and its version. table is one of this package's, never input.
func (t *Tx) rulesDoc(ctx context.Context, table, what string) ([]byte, int, error) {
	var (
		body    []byte
		version int64
	)
	if err := t.queryRow(ctx, `SELECT body, version FROM `+table+` WHERE id = 1`, nil, &body, &version); err != nil {
		return nil, 0, wrap(err, "%s", what)
	}
	return body, int(version), nil
}

// saveRulesDoc stores a one-row table's document as version: the first version is
// inserted (a second version 1 is skipped, ON CONFLICT DO NOTHING), a later one replaces
// version-1. ErrConflict when another version is stored, or none, comes back from the call.
func (t *Tx) saveRulesDoc(ctx context.Context, table, what string, body []byte, version int) error {
	switch {
	case version < 1:
		return fmt.Errorf("save %s: version %d", what, version)
	case !json.Valid(body):
		return fmt.Errorf("save %s version %d: the rules are not valid JSON", what, version)
	}
	var (
		n   int64
		err error
	)
	if version == 1 {
		n, err = t.exec(ctx, `INSERT INTO `+table+` (id, version, body, updated_at) VALUES (1, 1, $1, $2)
			ON CONFLICT DO NOTHING`, string(body), t.now)
	} else {
		n, err = t.exec(ctx, `UPDATE `+table+` SET version = $1, body = $2, updated_at = $3 WHERE id = 1 AND version = $1 - 1`,
			int64(version), string(body), t.now)
	}
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: version %d is not the one stored", store.ErrConflict, version-1)
	}
	return wrap(err, "save %s version %d", what, version)
}

// DeskCursor returns the member a group's round robin gave work to last ("" none).
func (t *Tx) DeskCursor(ctx context.Context, group string) (string, error) {
	var member string
	err := t.queryRow(ctx, `SELECT member FROM desk_cursors WHERE desk_group = $1`, []any{group}, &member)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", wrap(err, "desk cursor of %s", group)
	}
	return member, nil
}

// SetDeskCursor records the member a group's round robin gave work to last. The upsert is
// never refused, so it travels with the transaction's next statement (see Tx.later).
func (t *Tx) SetDeskCursor(ctx context.Context, group, member string) error {
	return t.later(ctx, "set desk cursor of "+group, `
		INSERT INTO desk_cursors (desk_group, member, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (desk_group) DO UPDATE SET member = excluded.member, updated_at = excluded.updated_at`,
		group, member, t.now)
}

// OpenLoad counts each user's open cases and complaints in one query, through
// cases_assignee_state_due and complaints_owner_updated. An empty username owns nothing
// (it is what "nobody" is written as).
func (t *Tx) OpenLoad(ctx context.Context, users []string, closedCases, closedComplaints []string) (map[string]int, error) {
	load := map[string]int{}
	var staff []string
	for _, u := range users {
		if u != "" {
			staff = append(staff, u)
		}
	}
	if len(staff) == 0 {
		return load, nil
	}
	// Never nil: <> ALL (NULL) would exclude every row.
	closedCases, closedComplaints = append([]string{}, closedCases...), append([]string{}, closedComplaints...)
	err := t.query(ctx, `
		SELECT who, sum(n)::bigint FROM (
		    SELECT assignee AS who, count(*) AS n FROM cases
		    WHERE assignee = ANY ($1::text[]) AND assignee <> '' AND state <> ALL ($2::text[])
		    GROUP BY assignee
		    UNION ALL
		    SELECT owner, count(*) FROM complaints
		    WHERE owner = ANY ($1::text[]) AND state <> ALL ($3::text[])
		    GROUP BY owner
		) AS open
		GROUP BY who`, []any{staff, closedCases, closedComplaints},
		func(rows pgx.Rows) error {
			var (
				who string
				n   int64
			)
			if err := rows.Scan(&who, &n); err != nil {
				return err
			}
			load[who] = int(n)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "open load")
	}
	return load, nil
}

// replyArgs are the values of a reply's columns (its id first): $1 to $12 of the
// statements below.
func replyArgs(r *store.CannedReply) []any {
	return []any{r.ID, r.Scope, r.Merchant, r.Title.ZH, r.Title.EN, r.Body.ZH, r.Body.EN, r.Shortcut, int64(r.Version),
		r.CreatedBy, r.CreatedAt, r.UpdatedAt}
}

// InsertReply stores a new canned reply. A taken id is ErrConflict: the statement is sent
// at once and skips a taken id (ON CONFLICT DO NOTHING), so the refusal comes back from the
// call and leaves the transaction usable.
func (t *Tx) InsertReply(ctx context.Context, r *store.CannedReply) error {
	if r.Version != 1 {
		return fmt.Errorf("insert canned reply %s: a new reply is version 1, not %d", r.ID, r.Version)
	}
	n, err := store.StoredReply(r, t.now)
	if err != nil {
		return fmt.Errorf("insert canned reply: %w", err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO canned_replies (id, scope, merchant, title_zh, title_en, body_zh, body_en, shortcut, version,
		    created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		replyArgs(&n)...)
	if err == nil && added == 0 {
		err = fmt.Errorf("the id is taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert canned reply %s", r.ID)
}

// UpdateReply stores r if the stored version is r.Version-1: ErrConflict if another
// transaction got there first, ErrNotFound if there is no such reply; either comes back
// from the call.
func (t *Tx) UpdateReply(ctx context.Context, r *store.CannedReply) error {
	n, err := store.StoredReply(r, t.now)
	if err != nil {
		return fmt.Errorf("update canned reply: %w", err)
	}
	err = t.versioned(ctx, "canned_replies", n.ID, `
		UPDATE canned_replies SET scope = $2, merchant = $3, title_zh = $4, title_en = $5, body_zh = $6, body_en = $7,
		    shortcut = $8, version = $9, created_by = $10, created_at = $11, updated_at = $12
		WHERE id = $1 AND version = $9 - 1`,
		replyArgs(&n)...)
	return wrap(err, "update canned reply %s to version %d", r.ID, r.Version)
}

// DeleteReply removes a canned reply; ErrNotFound, reported by the call, if there is none.
func (t *Tx) DeleteReply(ctx context.Context, id string) error {
	n, err := t.exec(ctx, `DELETE FROM canned_replies WHERE id = $1`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "delete canned reply %s", id)
}

// replyColumns are what replyRow receives, in its order.
const replyColumns = `id, scope, merchant, title_zh, title_en, body_zh, body_en, shortcut, version, created_by,
		       created_at, updated_at`

// replyRow receives a row of replyColumns.
type replyRow struct {
	r       store.CannedReply
	version int64
}

func (row *replyRow) dest() []any {
	r := &row.r
	return []any{&r.ID, &r.Scope, &r.Merchant, &r.Title.ZH, &r.Title.EN, &r.Body.ZH, &r.Body.EN, &r.Shortcut,
		&row.version, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt}
}

func (row *replyRow) reply() store.CannedReply {
	r := row.r
	r.Version = int(row.version)
	return r
}

// Reply returns a canned reply by id.
func (t *Tx) Reply(ctx context.Context, id string) (store.CannedReply, error) {
	var row replyRow
	if err := t.queryRow(ctx, `SELECT `+replyColumns+` FROM canned_replies WHERE id = $1`, []any{id}, row.dest()...); err != nil {
		return store.CannedReply{}, wrap(err, "canned reply %s", id)
	}
	return row.reply(), nil
}

// ListReplies returns the replies q selects by title (zh), then id, byte-wise (the
// columns' collation "C"). The text search is ILIKE, which folds case.
func (t *Tx) ListReplies(ctx context.Context, q store.ReplyQuery) ([]store.CannedReply, error) {
	f := &filter{}
	switch {
	case q.AllMerchants:
	case q.Merchant != "":
		f.add("(scope = 'platform' OR (scope = 'merchant' AND merchant = " + f.arg(q.Merchant) + "))")
	default:
		f.add("scope = 'platform'")
	}
	f.eq("scope", q.Scope)
	if q.Query != "" {
		p := f.arg(likeContains(q.Query))
		f.add(`(title_zh ILIKE ` + p + ` ESCAPE '\' OR title_en ILIKE ` + p + ` ESCAPE '\' OR body_zh ILIKE ` + p +
			` ESCAPE '\' OR body_en ILIKE ` + p + ` ESCAPE '\')`)
	}
	var rs []store.CannedReply
	err := t.query(ctx, `SELECT `+replyColumns+` FROM canned_replies`+f.sql()+` ORDER BY title_zh, id`, f.args,
		func(rows pgx.Rows) error {
			var row replyRow
			if err := rows.Scan(row.dest()...); err != nil {
				return err
			}
			rs = append(rs, row.reply())
			return nil
		})
	if err != nil {
		return nil, wrap(err, "list canned replies")
	}
	return rs, nil
}

// likeContains is the LIKE pattern (escape character \) of the strings that contain s.
func likeContains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
