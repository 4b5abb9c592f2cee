package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// markDirtySQL marks a record dirty, or bumps its seq when it has a mark already: a mark
// waiting to be folded keeps its first time (DirtyMarks goes by it), a folded one waits
// again from now (migration 0025).
const markDirtySQL = `
INSERT INTO report_dirty (kind, id, seq, marked_at) VALUES (?, ?, 1, ?)
ON CONFLICT (kind, id) DO UPDATE SET seq = report_dirty.seq + 1,
    marked_at = CASE WHEN report_dirty.seq > report_dirty.folded_seq THEN report_dirty.marked_at ELSE excluded.marked_at END`

// markDirty marks a record changed, in the transaction of the change (store.Analytics):
// the store's own writes call it once they succeeded.
func (tx *Tx) markDirty(ctx context.Context, kind, id string) error {
	if _, err := tx.exec(ctx, markDirtySQL, kind, id, micros(tx.now)); err != nil {
		return fmt.Errorf("mark %s %s dirty: %w", kind, id, dbErr(err))
	}
	return nil
}

// sourceKeysSQL are SourceKeys' queries, by kind: each record kind's ids in order, through
// its primary key.
var sourceKeysSQL = map[string]string{
	"case":      `SELECT id FROM cases WHERE id > ? ORDER BY id LIMIT ?`,
	"order":     `SELECT order_no FROM orders WHERE order_no > ? ORDER BY order_no LIMIT ?`,
	"complaint": `SELECT id FROM complaints WHERE id > ? ORDER BY id LIMIT ?`,
	"review":    `SELECT id FROM quality_reviews WHERE id > ? ORDER BY id LIMIT ?`,
}

// MarkDirty marks records changed; a record marked already has its seq bumped.
func (tx *Tx) MarkDirty(ctx context.Context, marks ...store.DirtyMark) error {
	for _, m := range marks {
		if _, known := sourceKeysSQL[m.Kind]; !known || m.ID == "" {
			return fmt.Errorf("mark %q %q dirty: not a record kind and id", m.Kind, m.ID)
		}
		if err := tx.markDirty(ctx, m.Kind, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// DirtyMarks returns up to limit marks waiting, oldest first (report_dirty_waiting). In
// a write transaction, which holds the database's only write lock, no other folder can
// claim them meanwhile.
func (tx *Tx) DirtyMarks(ctx context.Context, limit int) ([]store.DirtyMark, error) {
	if limit <= 0 {
		return nil, nil
	}
	ms, err := tx.queryMarks(ctx, `SELECT kind, id, seq FROM report_dirty WHERE seq > folded_seq ORDER BY marked_at, kind, id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("dirty marks: %w", err)
	}
	return ms, nil
}

// queryMarks runs a query of report_dirty's kind, id and seq.
func (tx *Tx) queryMarks(ctx context.Context, q string, args ...any) ([]store.DirtyMark, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var ms []store.DirtyMark
	for rows.Next() {
		var m store.DirtyMark
		if err := rows.Scan(&m.Kind, &m.ID, &m.Seq); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(err)
	}
	return ms, nil
}

// ClaimDirty returns the marks still waiting at the seq they were read at, in kind and id
// order; the marks come in as one JSON array of [kind, id, seq] (the transaction holds the
// only write lock: nobody else claims them meanwhile).
func (tx *Tx) ClaimDirty(ctx context.Context, marks ...store.DirtyMark) ([]store.DirtyMark, error) {
	if len(marks) == 0 {
		return nil, nil
	}
	list := make([][3]any, len(marks))
	for i, m := range marks {
		list[i] = [3]any{m.Kind, m.ID, m.Seq}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	ms, err := tx.queryMarks(ctx, `
SELECT d.kind, d.id, d.seq
FROM json_each(?) AS m
JOIN report_dirty d ON d.kind = m.value ->> 0 AND d.id = m.value ->> 1 AND d.seq = m.value ->> 2
WHERE d.seq > d.folded_seq
ORDER BY d.kind, d.id`, string(b))
	if err != nil {
		return nil, fmt.Errorf("claim %d dirty marks: %w", len(marks), err)
	}
	return ms, nil
}

// ClearDirty records each mark whose seq is still the one given as folded.
func (tx *Tx) ClearDirty(ctx context.Context, marks ...store.DirtyMark) error {
	for _, m := range marks {
		if _, err := tx.exec(ctx, `UPDATE report_dirty SET folded_seq = seq WHERE kind = ? AND id = ? AND seq = ?`, m.Kind, m.ID, m.Seq); err != nil {
			return fmt.Errorf("clear dirty mark of %s %s: %w", m.Kind, m.ID, dbErr(err))
		}
	}
	return nil
}

// CountDirty counts the marks waiting.
func (tx *Tx) CountDirty(ctx context.Context) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM report_dirty WHERE seq > folded_seq`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count dirty marks: %w", dbErr(err))
	}
	return n, nil
}

// PutContribution stores what a record now adds to the cells, or deletes it when it adds
// nothing (nil or empty facts).
func (tx *Tx) PutContribution(ctx context.Context, kind, id string, facts []byte) error {
	if len(facts) == 0 {
		if _, err := tx.exec(ctx, `DELETE FROM report_contributions WHERE kind = ? AND id = ?`, kind, id); err != nil {
			return fmt.Errorf("delete contribution of %s %s: %w", kind, id, dbErr(err))
		}
		return nil
	}
	if !json.Valid(facts) {
		return fmt.Errorf("put contribution of %s %s: the facts are not valid JSON", kind, id)
	}
	const q = `
INSERT INTO report_contributions (kind, id, facts, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (kind, id) DO UPDATE SET facts = excluded.facts, updated_at = excluded.updated_at`
	if _, err := tx.exec(ctx, q, kind, id, string(facts), micros(tx.now)); err != nil {
		return fmt.Errorf("put contribution of %s %s: %w", kind, id, dbErr(err))
	}
	return nil
}

// AddCells adds the cells to the stored ones, merged by key and in key order.
func (tx *Tx) AddCells(ctx context.Context, cells []store.Cell) error {
	merged, err := mergeCells(cells)
	if err != nil {
		return fmt.Errorf("add cells: %w", err)
	}
	const q = `
INSERT INTO report_cells (dim, metric, merchant, day, k1, k2, n, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dim, metric, merchant, day, k1, k2) DO UPDATE
SET n = report_cells.n + excluded.n, sum = report_cells.sum + excluded.sum`
	for _, c := range merged {
		if _, err := tx.exec(ctx, q, c.Dim, c.Metric, c.Merchant, c.Day, c.K1, c.K2, c.N, c.Sum); err != nil {
			return fmt.Errorf("add cell %s/%s of %s on %s: %w", c.Dim, c.Metric, c.Merchant, c.Day, dbErr(err))
		}
	}
	return nil
}

// mergeCells checks cells, sums those of one key and puts them in key order (Merchant,
// Dim, K1, K2, Day, Metric).
func mergeCells(cells []store.Cell) ([]store.Cell, error) {
	type key struct{ merchant, dim, k1, k2, day, metric string }
	at := make(map[key]int, len(cells))
	out := make([]store.Cell, 0, len(cells))
	for _, c := range cells {
		if c.Dim == "" || c.Metric == "" {
			return nil, fmt.Errorf("a cell needs a dimension and a metric (%q, %q)", c.Dim, c.Metric)
		}
		if _, err := time.Parse(time.DateOnly, c.Day); err != nil {
			return nil, fmt.Errorf("cell %s/%s: day %q is not YYYY-MM-DD", c.Dim, c.Metric, c.Day)
		}
		k := key{c.Merchant, c.Dim, c.K1, c.K2, c.Day, c.Metric}
		if i, seen := at[k]; seen {
			out[i].N += c.N
			out[i].Sum += c.Sum
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b store.Cell) int {
		return cmp.Or(cmp.Compare(a.Merchant, b.Merchant), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.K1, b.K1),
			cmp.Compare(a.K2, b.K2), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Metric, b.Metric))
	})
	return out, nil
}

// cellGroups are the columns QueryCells may group by: the only names its SQL takes from
// the query.
var cellGroups = map[string]bool{"day": true, "merchant": true, "k1": true, "k2": true}

// QueryCells sums the cells q selects per group and metric (queryCellsSQL).
func (tx *Tx) QueryCells(ctx context.Context, q store.CellQuery) ([]store.CellSum, error) {
	sqlText, args, err := queryCellsSQL(q)
	if err != nil || sqlText == "" {
		return nil, err
	}
	rows, err := tx.query(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("query cells of %s: %w", q.Dim, dbErr(err))
	}
	defer rows.Close()
	by := groupColumns(q.By)
	var out []store.CellSum
	for rows.Next() {
		var s store.CellSum
		dest := make([]any, 0, len(by)+3)
		for _, col := range by {
			dest = append(dest, cellSumField(&s, col))
		}
		dest = append(dest, &s.Metric, &s.N, &s.Sum)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("query cells of %s: %w", q.Dim, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query cells of %s: %w", q.Dim, err)
	}
	return out, nil
}

// queryCellsSQL is QueryCells' query and its arguments ("" when q selects nothing). A
// merchant's cells over days are a range of the primary key; the platform's, of
// report_cells_day, or of report_cells_key_day for one key. A group whose sums are both 0
// (cells that facts added to and took back) is left out, as AllCells leaves such cells out:
// the answer does not depend on what was folded before.
func queryCellsSQL(q store.CellQuery) (string, []any, error) {
	if len(q.Metrics) == 0 || (q.Merchants != nil && len(q.Merchants) == 0) {
		return "", nil, nil
	}
	for _, col := range q.By {
		if !cellGroups[col] {
			return "", nil, fmt.Errorf("query cells: cannot group by %q", col)
		}
	}
	f := &filter{}
	f.add("dim = ?", q.Dim)
	in(f, "metric", q.Metrics)
	f.eq("merchant", q.Merchant)
	in(f, "merchant", q.Merchants)
	f.eq("k1", q.K1)
	f.eq("k2", q.K2)
	if q.From != "" {
		f.add("day >= ?", q.From)
	}
	if q.To != "" {
		f.add("day <= ?", q.To)
	}
	group := strings.Join(append(groupColumns(q.By), "metric"), ", ")
	return `SELECT ` + group + `, sum(n), sum(sum) FROM report_cells` + f.sql() + `
GROUP BY ` + group + `
HAVING sum(n) <> 0 OR sum(sum) <> 0
ORDER BY ` + group, f.args, nil
}

// groupColumns is by without repeats, in its order.
func groupColumns(by []string) []string {
	var out []string
	for _, col := range by {
		if !slices.Contains(out, col) {
			out = append(out, col)
		}
	}
	return out
}

// cellSumField is the field of s that a grouped column fills.
func cellSumField(s *store.CellSum, col string) *string {
	switch col {
	case "day":
		return &s.Day
	case "merchant":
		return &s.Merchant
	case "k1":
		return &s.K1
	default:
		return &s.K2
	}
}

// AllCells returns every cell that is not 0, in key order.
func (tx *Tx) AllCells(ctx context.Context) ([]store.Cell, error) {
	rows, err := tx.query(ctx, `
SELECT merchant, dim, k1, k2, day, metric, n, sum FROM report_cells WHERE n <> 0 OR sum <> 0
ORDER BY merchant, dim, k1, k2, day, metric`)
	if err != nil {
		return nil, fmt.Errorf("all cells: %w", dbErr(err))
	}
	defer rows.Close()
	var out []store.Cell
	for rows.Next() {
		var c store.Cell
		if err := rows.Scan(&c.Merchant, &c.Dim, &c.K1, &c.K2, &c.Day, &c.Metric, &c.N, &c.Sum); err != nil {
			return nil, fmt.Errorf("all cells: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("all cells: %w", err)
	}
	return out, nil
}

// ResetReports deletes every cell and contribution and leaves no mark waiting.
func (tx *Tx) ResetReports(ctx context.Context) error {
	for _, table := range []string{"report_cells", "report_contributions"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table); err != nil {
			return fmt.Errorf("reset reports: %s: %w", table, dbErr(err))
		}
	}
	// Every mark's seq moves on and counts as folded: none waits, and none read before
	// can be claimed (the rebuild marks every record).
	if _, err := tx.exec(ctx, `UPDATE report_dirty SET seq = seq + 1, folded_seq = seq + 1`); err != nil {
		return fmt.Errorf("reset reports: marks: %w", dbErr(err))
	}
	return nil
}

// SourceKeys returns up to limit ids of a record kind after after, in order.
func (tx *Tx) SourceKeys(ctx context.Context, kind, after string, limit int) ([]string, error) {
	q, known := sourceKeysSQL[kind]
	if !known {
		return nil, fmt.Errorf("source keys: unknown record kind %q", kind)
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := tx.query(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("source keys of %s: %w", kind, dbErr(err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("source keys of %s: %w", kind, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("source keys of %s: %w", kind, err)
	}
	return ids, nil
}

// jsonOrNull is b as a JSON column: NULL when empty, an error when not JSON.
func jsonOrNull(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, errors.New("not valid JSON")
	}
	return string(b), nil
}

// scheduleArgs are the values of a schedule's columns, in the order of the statements
// below (created_at last but for the id).
func scheduleArgs(s *store.ReportSchedule, now time.Time) ([]any, error) {
	params, err := jsonOrNull(s.Params)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return []any{s.Merchant, s.Owner, s.Report, params, s.Frequency, s.Channel, s.Target, s.Secret, s.Format, s.Lang,
		micros(s.NextAt), nullMicros(s.LastAt), s.LastError, micros(orNow(s.CreatedAt, now))}, nil
}

// InsertSchedule stores a scheduled report; the primary key refuses a taken id
// (ErrConflict).
func (tx *Tx) InsertSchedule(ctx context.Context, s store.ReportSchedule) error {
	args, err := scheduleArgs(&s, tx.now)
	if err != nil {
		return fmt.Errorf("insert report schedule %s: %w", s.ID, err)
	}
	const q = `
INSERT INTO report_schedules (merchant, owner, report, params, frequency, channel, target, secret, format, lang,
                              next_at, last_at, last_error, created_at, id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(args, s.ID)...); err != nil {
		return fmt.Errorf("insert report schedule %s: %w", s.ID, dbErr(err))
	}
	return nil
}

// UpdateSchedule replaces a schedule's fields but the time it was made.
func (tx *Tx) UpdateSchedule(ctx context.Context, s store.ReportSchedule) error {
	args, err := scheduleArgs(&s, tx.now)
	if err != nil {
		return fmt.Errorf("update report schedule %s: %w", s.ID, err)
	}
	const q = `
UPDATE report_schedules
SET merchant = ?, owner = ?, report = ?, params = ?, frequency = ?, channel = ?, target = ?, secret = ?, format = ?,
    lang = ?, next_at = ?, last_at = ?, last_error = ?
WHERE id = ?`
	res, err := tx.exec(ctx, q, append(args[:len(args)-1], s.ID)...)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update report schedule %s: %w", s.ID, err)
	}
	return nil
}

// DeleteSchedule removes a schedule; ErrNotFound if there is none.
func (tx *Tx) DeleteSchedule(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM report_schedules WHERE id = ?`, id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("delete report schedule %s: %w", id, err)
	}
	return nil
}

// scheduleColumns are what scanSchedule reads, in its order.
const scheduleColumns = `id, merchant, owner, report, params, frequency, channel, target, secret, format, lang, next_at,
       last_at, last_error, created_at`

// scanSchedule reads a row of scheduleColumns.
func scanSchedule(row scanner) (store.ReportSchedule, error) {
	var (
		s             store.ReportSchedule
		params        sql.NullString
		next, created int64
		last          sql.NullInt64
	)
	err := row.Scan(&s.ID, &s.Merchant, &s.Owner, &s.Report, &params, &s.Frequency, &s.Channel, &s.Target, &s.Secret,
		&s.Format, &s.Lang, &next, &last, &s.LastError, &created)
	if err != nil {
		return store.ReportSchedule{}, err
	}
	if params.Valid {
		s.Params = []byte(params.String)
	}
	s.NextAt, s.LastAt, s.CreatedAt = fromMicros(next), fromNullMicros(last), fromMicros(created)
	return s, nil
}

// querySchedules runs a query of scheduleColumns.
func (tx *Tx) querySchedules(ctx context.Context, q string, args ...any) ([]store.ReportSchedule, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []store.ReportSchedule
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Schedule returns a schedule by id.
func (tx *Tx) Schedule(ctx context.Context, id string) (store.ReportSchedule, error) {
	s, err := scanSchedule(tx.queryRow(ctx, `SELECT `+scheduleColumns+` FROM report_schedules WHERE id = ?`, id))
	if err != nil {
		return store.ReportSchedule{}, fmt.Errorf("report schedule %s: %w", id, dbErr(err))
	}
	return s, nil
}

// ListSchedules returns every schedule, or a merchant's (report_schedules_merchant), by id.
func (tx *Tx) ListSchedules(ctx context.Context, merchant string) ([]store.ReportSchedule, error) {
	f := &filter{}
	f.eq("merchant", merchant)
	ss, err := tx.querySchedules(ctx, `SELECT `+scheduleColumns+` FROM report_schedules`+f.sql()+`
ORDER BY id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("report schedules of %q: %w", merchant, err)
	}
	return ss, nil
}

// DueSchedules returns up to limit schedules due at now, soonest first
// (report_schedules_next). The transaction holds the database's only write lock.
func (tx *Tx) DueSchedules(ctx context.Context, now time.Time, limit int) ([]store.ReportSchedule, error) {
	if limit <= 0 {
		return nil, nil
	}
	ss, err := tx.querySchedules(ctx, `SELECT `+scheduleColumns+` FROM report_schedules WHERE next_at <= ?
ORDER BY next_at, id LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due report schedules: %w", err)
	}
	return ss, nil
}

// PutScorecard stores or replaces a merchant's scorecard of a month.
func (tx *Tx) PutScorecard(ctx context.Context, s store.Scorecard) error {
	if _, err := time.Parse("2006-01", s.Month); err != nil || s.Merchant == "" {
		return fmt.Errorf("put scorecard: merchant %q, month %q (YYYY-MM)", s.Merchant, s.Month)
	}
	figures, err := jsonOrNull(s.Figures)
	if err != nil {
		return fmt.Errorf("put scorecard of %s for %s: figures: %w", s.Merchant, s.Month, err)
	}
	const q = `
INSERT INTO scorecards (merchant, month, score, tier, figures, computed_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (merchant, month) DO UPDATE
SET score = excluded.score, tier = excluded.tier, figures = excluded.figures, computed_at = excluded.computed_at`
	if _, err := tx.exec(ctx, q, s.Merchant, s.Month, s.Score, s.Tier, figures, micros(orNow(s.ComputedAt, tx.now))); err != nil {
		return fmt.Errorf("put scorecard of %s for %s: %w", s.Merchant, s.Month, dbErr(err))
	}
	return nil
}

// scorecardColumns are what scanScorecard reads, in its order.
const scorecardColumns = `merchant, month, score, tier, figures, computed_at`

// scanScorecard reads a row of scorecardColumns.
func scanScorecard(row scanner) (store.Scorecard, error) {
	var (
		s        store.Scorecard
		figures  sql.NullString
		computed int64
	)
	if err := row.Scan(&s.Merchant, &s.Month, &s.Score, &s.Tier, &figures, &computed); err != nil {
		return store.Scorecard{}, err
	}
	if figures.Valid {
		s.Figures = []byte(figures.String)
	}
	s.ComputedAt = fromMicros(computed)
	return s, nil
}

// Scorecards returns a month's scorecards, of one merchant or all, best first
// (scorecards_month_score).
func (tx *Tx) Scorecards(ctx context.Context, month, merchant string) ([]store.Scorecard, error) {
	f := &filter{}
	f.add("month = ?", month)
	f.eq("merchant", merchant)
	rows, err := tx.query(ctx, `SELECT `+scorecardColumns+` FROM scorecards`+f.sql()+`
ORDER BY score DESC, merchant`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("scorecards of %s: %w", month, dbErr(err))
	}
	defer rows.Close()
	var out []store.Scorecard
	for rows.Next() {
		s, err := scanScorecard(rows)
		if err != nil {
			return nil, fmt.Errorf("scorecards of %s: %w", month, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scorecards of %s: %w", month, err)
	}
	return out, nil
}

// LatestScorecard returns a merchant's scorecard of the latest month before before (""
// any), through the primary key.
func (tx *Tx) LatestScorecard(ctx context.Context, merchant, before string) (store.Scorecard, error) {
	f := &filter{}
	f.add("merchant = ?", merchant)
	if before != "" {
		f.add("month < ?", before)
	}
	s, err := scanScorecard(tx.queryRow(ctx, `SELECT `+scorecardColumns+` FROM scorecards`+f.sql()+`
ORDER BY month DESC LIMIT 1`, f.args...))
	if err != nil {
		return store.Scorecard{}, fmt.Errorf("latest scorecard of %s before %q: %w", merchant, before, dbErr(err))
	}
	return s, nil
}

// ScorecardRules returns the stored scorecard rules and their version.
func (tx *Tx) ScorecardRules(ctx context.Context) ([]byte, int, error) {
	return tx.rulesDoc(ctx, "scorecard_rules", "scorecard rules")
}

// SaveScorecardRules stores the scorecard rules as version (see saveRulesDoc).
func (tx *Tx) SaveScorecardRules(ctx context.Context, body []byte, version int) error {
	return tx.saveRulesDoc(ctx, "scorecard_rules", "scorecard rules", body, version)
}
