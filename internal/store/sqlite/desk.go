package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aftersales/aftersales/internal/store"
)

// DeskRules returns the stored assignment rules, byte for byte, and their version.
func (tx *Tx) DeskRules(ctx context.Context) ([]byte, int, error) {
	return tx.rulesDoc(ctx, "desk_rules", "desk rules")
}

// SaveDeskRules stores the rules as version (see saveRulesDoc).
func (tx *Tx) SaveDeskRules(ctx context.Context, body []byte, version int) error {
	return tx.saveRulesDoc(ctx, "desk_rules", "desk rules", body, version)
}

// rulesDoc returns a one-row table's JSON document (a set of rules kept whole, by version)
// and its version. table is one of this package's, never input.
func (tx *Tx) rulesDoc(ctx context.Context, table, what string) ([]byte, int, error) {
	var (
		body    string
		version int
	)
	if err := tx.queryRow(ctx, `SELECT body, version FROM `+table+` WHERE id = 1`).Scan(&body, &version); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, dbErr(err))
	}
	return []byte(body), version, nil
}

// saveRulesDoc stores a one-row table's document as version: the first version is
// inserted (the primary key refuses a second version 1), a later one replaces version-1
// (ErrConflict when another is stored, or none).
func (tx *Tx) saveRulesDoc(ctx context.Context, table, what string, body []byte, version int) error {
	switch {
	case version < 1:
		return fmt.Errorf("save %s: version %d", what, version)
	case !json.Valid(body):
		return fmt.Errorf("save %s version %d: the rules are not valid JSON", what, version)
	}
	if version == 1 {
		_, err := tx.exec(ctx, `INSERT INTO `+table+` (id, version, body, updated_at) VALUES (1, 1, ?, ?)`,
			string(body), micros(tx.now))
		if err != nil {
			return fmt.Errorf("save %s version 1: %w", what, dbErr(err))
		}
		return nil
	}
	res, err := tx.exec(ctx, `UPDATE `+table+` SET version = ?, body = ?, updated_at = ? WHERE id = 1 AND version = ?`,
		version, string(body), micros(tx.now), version-1)
	if err := mustChange(res, err); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("%w: version %d is not the one stored", store.ErrConflict, version-1)
		}
		return fmt.Errorf("save %s version %d: %w", what, version, err)
	}
	return nil
}

// DeskCursor returns the member a group's round robin gave work to last ("" none).
func (tx *Tx) DeskCursor(ctx context.Context, group string) (string, error) {
	var member string
	err := tx.queryRow(ctx, `SELECT member FROM desk_cursors WHERE desk_group = ?`, group).Scan(&member)
	if err != nil && !errors.Is(dbErr(err), store.ErrNotFound) {
		return "", fmt.Errorf("desk cursor of %s: %w", group, dbErr(err))
	}
	return member, nil
}

// SetDeskCursor records the member a group's round robin gave work to last.
func (tx *Tx) SetDeskCursor(ctx context.Context, group, member string) error {
	const q = `
INSERT INTO desk_cursors (desk_group, member, updated_at) VALUES (?, ?, ?)
ON CONFLICT (desk_group) DO UPDATE SET member = excluded.member, updated_at = excluded.updated_at`
	if _, err := tx.exec(ctx, q, group, member, micros(tx.now)); err != nil {
		return fmt.Errorf("set desk cursor of %s: %w", group, dbErr(err))
	}
	return nil
}

// OpenLoad counts each user's open cases and complaints in one query (openLoadSQL). An
// empty username owns nothing (it is what "nobody" is written as).
func (tx *Tx) OpenLoad(ctx context.Context, users []string, closedCases, closedComplaints []string) (map[string]int, error) {
	load := map[string]int{}
	users = staffNames(users)
	if len(users) == 0 {
		return load, nil
	}
	q, args := openLoadSQL(users, closedCases, closedComplaints)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("open load: %w", dbErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			who string
			n   int
		)
		if err := rows.Scan(&who, &n); err != nil {
			return nil, fmt.Errorf("open load: %w", err)
		}
		load[who] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open load: %w", err)
	}
	return load, nil
}

// openLoadSQL is OpenLoad's query of the users' open cases and complaints, counted per
// user, and its arguments: it reads cases_assignee_state_due (covering) and
// complaints_owner_updated.
func openLoadSQL(users, closedCases, closedComplaints []string) (string, []any) {
	cases, complaints := &filter{}, &filter{}
	in(cases, "assignee", users)
	cases.add("assignee <> ''") // the partial index's condition, written as it is
	if len(closedCases) > 0 {
		cases.add("state NOT IN ("+placeholders(len(closedCases))+")", anys(closedCases)...)
	}
	in(complaints, "owner", users)
	if len(closedComplaints) > 0 {
		complaints.add("state NOT IN ("+placeholders(len(closedComplaints))+")", anys(closedComplaints)...)
	}
	return `
SELECT who, sum(n) FROM (
    SELECT assignee AS who, count(*) AS n FROM cases` + cases.sql() + `
    GROUP BY assignee
    UNION ALL
    SELECT owner, count(*) FROM complaints` + complaints.sql() + `
    GROUP BY owner
)
GROUP BY who`, append(cases.args, complaints.args...)
}

// staffNames is users without the empty name.
func staffNames(users []string) []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}

// anys is ss as query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// replyArgs are the values of a reply's columns, in the order of the statements below; the
// id follows them.
func replyArgs(r *store.CannedReply) []any {
	return []any{r.Scope, r.Merchant, r.Title.ZH, r.Title.EN, r.Body.ZH, r.Body.EN, r.Shortcut, r.Version, r.CreatedBy,
		micros(r.CreatedAt), micros(r.UpdatedAt)}
}

// InsertReply stores a new canned reply; the primary key refuses a taken id (ErrConflict).
func (tx *Tx) InsertReply(ctx context.Context, r *store.CannedReply) error {
	if r.Version != 1 {
		return fmt.Errorf("insert canned reply %s: a new reply is version 1, not %d", r.ID, r.Version)
	}
	n, err := store.StoredReply(r, tx.now)
	if err != nil {
		return fmt.Errorf("insert canned reply: %w", err)
	}
	const q = `
INSERT INTO canned_replies (scope, merchant, title_zh, title_en, body_zh, body_en, shortcut, version, created_by,
                            created_at, updated_at, id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(replyArgs(&n), n.ID)...); err != nil {
		return fmt.Errorf("insert canned reply %s: %w", r.ID, dbErr(err))
	}
	return nil
}

// UpdateReply stores r if the stored version is r.Version-1: ErrConflict if another
// transaction got there first, ErrNotFound if there is no such reply.
func (tx *Tx) UpdateReply(ctx context.Context, r *store.CannedReply) error {
	n, err := store.StoredReply(r, tx.now)
	if err != nil {
		return fmt.Errorf("update canned reply: %w", err)
	}
	const q = `
UPDATE canned_replies
SET scope = ?, merchant = ?, title_zh = ?, title_en = ?, body_zh = ?, body_en = ?, shortcut = ?, version = ?,
    created_by = ?, created_at = ?, updated_at = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, append(replyArgs(&n), n.ID, n.Version-1)...)
	if err := tx.versioned(ctx, res, err, "canned_replies", n.ID); err != nil {
		return fmt.Errorf("update canned reply %s to version %d: %w", r.ID, r.Version, err)
	}
	return nil
}

// DeleteReply removes a canned reply; ErrNotFound if there is none.
func (tx *Tx) DeleteReply(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM canned_replies WHERE id = ?`, id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("delete canned reply %s: %w", id, err)
	}
	return nil
}

// replyColumns are what scanReply reads, in its order.
const replyColumns = `id, scope, merchant, title_zh, title_en, body_zh, body_en, shortcut, version, created_by,
       created_at, updated_at`

// scanReply reads a row of replyColumns.
func scanReply(row scanner) (store.CannedReply, error) {
	var (
		r                store.CannedReply
		created, updated int64
	)
	err := row.Scan(&r.ID, &r.Scope, &r.Merchant, &r.Title.ZH, &r.Title.EN, &r.Body.ZH, &r.Body.EN, &r.Shortcut,
		&r.Version, &r.CreatedBy, &created, &updated)
	if err != nil {
		return store.CannedReply{}, err
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return r, nil
}

// Reply returns a canned reply by id.
func (tx *Tx) Reply(ctx context.Context, id string) (store.CannedReply, error) {
	r, err := scanReply(tx.queryRow(ctx, `SELECT `+replyColumns+` FROM canned_replies WHERE id = ?`, id))
	if err != nil {
		return store.CannedReply{}, fmt.Errorf("canned reply %s: %w", id, dbErr(err))
	}
	return r, nil
}

// ListReplies returns the replies q selects by title (zh), then id. The text search is
// LIKE, which in SQLite folds the case of ASCII letters only (Chinese has none).
func (tx *Tx) ListReplies(ctx context.Context, q store.ReplyQuery) ([]store.CannedReply, error) {
	f := &filter{}
	switch {
	case q.AllMerchants:
	case q.Merchant != "":
		f.add("(scope = 'platform' OR (scope = 'merchant' AND merchant = ?))", q.Merchant)
	default:
		f.add("scope = 'platform'")
	}
	f.eq("scope", q.Scope)
	if q.Query != "" {
		p := likeContains(q.Query)
		f.add(`(title_zh LIKE ? ESCAPE '\' OR title_en LIKE ? ESCAPE '\' OR body_zh LIKE ? ESCAPE '\' OR body_en LIKE ? ESCAPE '\')`,
			p, p, p, p)
	}
	rows, err := tx.query(ctx, `SELECT `+replyColumns+` FROM canned_replies`+f.sql()+`
ORDER BY title_zh, id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("list canned replies: %w", dbErr(err))
	}
	defer rows.Close()
	var rs []store.CannedReply
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			return nil, fmt.Errorf("list canned replies: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list canned replies: %w", err)
	}
	return rs, nil
}

// likeContains is the LIKE pattern (escape character \) of the strings that contain s.
func likeContains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
