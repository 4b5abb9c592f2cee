package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// markDirtySQL marks a record dirty, or bumps its seq when it has a mark already: a mark
// waiting to be folded keeps its first time (DirtyMarks goes by it), a folded one waits
// again from now (migration 0025).
const markDirtySQL = `
INSERT INTO report_dirty (kind, id, seq, marked_at) VALUES ($1, $2, 1, $3)
ON CONFLICT (kind, id) DO UPDATE SET seq = report_dirty.seq + 1,
    marked_at = CASE WHEN report_dirty.seq > report_dirty.folded_seq THEN report_dirty.marked_at ELSE excluded.marked_at END`

// markDirty marks a record changed, in the transaction of the change (store.Analytics):
// the store's own writes call it once they succeeded, or, when the write itself waits for
// the next statement, right after it, so that a refused write voids both.
//
// The marks of a write transaction are collected and written at its COMMIT, in one
// statement (markManySQL) and key order: a case's update, its event and its ledger entries
// each mark the case, and one upsert of its row does for the three. The rows are locked
// only from the commit's round trip on, and always in the same order.
func (t *Tx) markDirty(ctx context.Context, kind, id string) error {
	if t.readOnly() {
		return t.later(ctx, "mark "+kind+" "+id+" dirty", markDirtySQL, kind, id, t.now)
	}
	if k := (dirtyKey{kind, id}); !slices.Contains(t.marks, k) {
		t.marks = append(t.marks, k)
	}
	return nil
}

// dirtyKey is a record marked dirty.
type dirtyKey struct{ kind, id string }

// sourceKeysSQL are SourceKeys' queries, by kind: each record kind's ids in order, through
// its primary key.
var sourceKeysSQL = map[string]string{
	"case":      `SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2`,
	"order":     `SELECT order_no FROM orders WHERE order_no > $1 ORDER BY order_no LIMIT $2`,
	"complaint": `SELECT id FROM complaints WHERE id > $1 ORDER BY id LIMIT $2`,
	"review":    `SELECT id FROM quality_reviews WHERE id > $1 ORDER BY id LIMIT $2`,
}

// markManySQL marks many records in one statement; they are distinct and in key order, as
// an upsert may touch a row once only and lock order keeps markers from deadlocking.
const markManySQL = `
INSERT INTO report_dirty (kind, id, seq, marked_at)
SELECT kind, id, 1, $3 FROM unnest($1::text[], $2::text[]) AS m (kind, id)
ON CONFLICT (kind, id) DO UPDATE SET seq = report_dirty.seq + 1,
    marked_at = CASE WHEN report_dirty.seq > report_dirty.folded_seq THEN report_dirty.marked_at ELSE excluded.marked_at END`

// MarkDirty marks records changed; a record marked already has its seq bumped. A record
// named twice is marked once.
func (t *Tx) MarkDirty(ctx context.Context, marks ...store.DirtyMark) error {
	type key struct{ kind, id string }
	keys := make([]key, 0, len(marks))
	for _, m := range marks {
		if _, known := sourceKeysSQL[m.Kind]; !known || m.ID == "" {
			return fmt.Errorf("mark %q %q dirty: not a record kind and id", m.Kind, m.ID)
		}
		keys = append(keys, key{m.Kind, m.ID})
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id)) })
	keys = slices.Compact(keys)
	kinds, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		kinds[i], ids[i] = k.kind, k.id
	}
	return t.later(ctx, fmt.Sprintf("mark %d records dirty", len(keys)), markManySQL, kinds, ids, t.now)
}

// dirtyMarksSQL claims the oldest marks waiting (report_dirty_waiting), skipping those
// another transaction holds.
const dirtyMarksSQL = `SELECT kind, id, seq FROM report_dirty WHERE seq > folded_seq ORDER BY marked_at, kind, id LIMIT $1`

// DirtyMarks claims up to limit marks, oldest first: the rows stay locked until the
// transaction ends, and rows another transaction locked (a folder's claim, or a write
// marking them again) are skipped. A View only reads them.
func (t *Tx) DirtyMarks(ctx context.Context, limit int) ([]store.DirtyMark, error) {
	if limit <= 0 {
		return nil, nil
	}
	q := dirtyMarksSQL
	if !t.readOnly() {
		q += " FOR UPDATE SKIP LOCKED"
	}
	var ms []store.DirtyMark
	err := t.query(ctx, q, []any{limit}, func(rows pgx.Rows) error {
		var m store.DirtyMark
		err := rows.Scan(&m.Kind, &m.ID, &m.Seq)
		ms = append(ms, m)
		return err
	})
	if err != nil {
		return nil, wrap(err, "dirty marks")
	}
	return ms, nil
}

// claimDirtySQL locks the marks still waiting at the seq they were read at, skipping rows
// another transaction holds (a folder's claim, or a write marking them again).
const claimDirtySQL = `
SELECT d.kind, d.id, d.seq
FROM report_dirty d
JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS m (kind, id, seq) ON d.kind = m.kind AND d.id = m.id AND d.seq = m.seq
WHERE d.seq > d.folded_seq
ORDER BY d.kind, d.id`

// ClaimDirty claims the marks still waiting as they were read (store.Analytics).
func (t *Tx) ClaimDirty(ctx context.Context, marks ...store.DirtyMark) ([]store.DirtyMark, error) {
	if len(marks) == 0 {
		return nil, nil
	}
	kinds, ids, seqs := make([]string, len(marks)), make([]string, len(marks)), make([]int64, len(marks))
	for i, m := range marks {
		kinds[i], ids[i], seqs[i] = m.Kind, m.ID, m.Seq
	}
	q := claimDirtySQL
	if !t.readOnly() {
		q += " FOR UPDATE OF d SKIP LOCKED"
	}
	var ms []store.DirtyMark
	err := t.query(ctx, q, []any{kinds, ids, seqs}, func(rows pgx.Rows) error {
		var m store.DirtyMark
		err := rows.Scan(&m.Kind, &m.ID, &m.Seq)
		ms = append(ms, m)
		return err
	})
	if err != nil {
		return nil, wrap(err, "claim %d dirty marks", len(marks))
	}
	return ms, nil
}

// ClearDirty records each mark whose seq is still the one given as folded, in one
// statement that travels with the next (see Tx.later).
func (t *Tx) ClearDirty(ctx context.Context, marks ...store.DirtyMark) error {
	if len(marks) == 0 {
		return nil
	}
	kinds, ids, seqs := make([]string, len(marks)), make([]string, len(marks)), make([]int64, len(marks))
	for i, m := range marks {
		kinds[i], ids[i], seqs[i] = m.Kind, m.ID, m.Seq
	}
	return t.later(ctx, fmt.Sprintf("clear %d dirty marks", len(marks)), `
		UPDATE report_dirty d SET folded_seq = d.seq FROM unnest($1::text[], $2::text[], $3::bigint[]) AS m (kind, id, seq)
		WHERE d.kind = m.kind AND d.id = m.id AND d.seq = m.seq`, kinds, ids, seqs)
}

// CountDirty counts the marks waiting.
func (t *Tx) CountDirty(ctx context.Context) (int, error) {
	var n int64
	if err := t.queryRow(ctx, `SELECT count(*) FROM report_dirty WHERE seq > folded_seq`, nil, &n); err != nil {
		return 0, wrap(err, "count dirty marks")
	}
	return int(n), nil
}

// PutContribution stores what a record now adds to the cells, or deletes it when it adds
// nothing (nil or empty facts). Either travels with the next statement.
func (t *Tx) PutContribution(ctx context.Context, kind, id string, facts []byte) error {
	if len(facts) == 0 {
		return t.later(ctx, "delete contribution of "+kind+" "+id,
			`DELETE FROM report_contributions WHERE kind = $1 AND id = $2`, kind, id)
	}
	if !json.Valid(facts) {
		return fmt.Errorf("put contribution of %s %s: the facts are not valid JSON", kind, id)
	}
	return t.later(ctx, "put contribution of "+kind+" "+id, `
		INSERT INTO report_contributions (kind, id, facts, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, id) DO UPDATE SET facts = excluded.facts, updated_at = excluded.updated_at`,
		kind, id, string(facts), t.now)
}

// addCellsSQL adds a chunk of cells, distinct and in key order, to the stored ones.
const addCellsSQL = `
INSERT INTO report_cells (merchant, dim, k1, k2, day, metric, n, sum)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[])
ON CONFLICT (dim, metric, merchant, day, k1, k2) DO UPDATE
SET n = report_cells.n + excluded.n, sum = report_cells.sum + excluded.sum`

// cellChunk is how many cells one statement of AddCells writes.
const cellChunk = 500

// AddCells adds the cells to the stored ones: merged by key (an upsert may touch a row
// once only), in key order (so that two folders lock cells in the same order and queue
// rather than deadlock), cellChunk to a statement. The statements travel with the next.
func (t *Tx) AddCells(ctx context.Context, cells []store.Cell) error {
	merged, err := mergeCells(cells)
	if err != nil {
		return fmt.Errorf("add cells: %w", err)
	}
	for chunk := range slices.Chunk(merged, cellChunk) {
		n := len(chunk)
		cols := make([][]string, 6)
		for i := range cols {
			cols[i] = make([]string, n)
		}
		ns, sums := make([]int64, n), make([]int64, n)
		for i, c := range chunk {
			cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i], cols[5][i] = c.Merchant, c.Dim, c.K1, c.K2, c.Day, c.Metric
			ns[i], sums[i] = c.N, c.Sum
		}
		err := t.later(ctx, fmt.Sprintf("add %d cells", n), addCellsSQL,
			cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], ns, sums)
		if err != nil {
			return err
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
func (t *Tx) QueryCells(ctx context.Context, q store.CellQuery) ([]store.CellSum, error) {
	sqlText, args, err := queryCellsSQL(q)
	if err != nil || sqlText == "" {
		return nil, err
	}
	by := groupColumns(q.By)
	var out []store.CellSum
	err = t.query(ctx, sqlText, args, func(rows pgx.Rows) error {
		var s store.CellSum
		dest := make([]any, 0, len(by)+3)
		for _, col := range by {
			dest = append(dest, cellSumField(&s, col))
		}
		dest = append(dest, &s.Metric, &s.N, &s.Sum)
		err := rows.Scan(dest...)
		out = append(out, s)
		return err
	})
	if err != nil {
		return nil, wrap(err, "query cells of %s", q.Dim)
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
	f.add("dim = " + f.arg(q.Dim))
	f.add("metric = ANY (" + f.arg(q.Metrics) + "::text[])")
	f.eq("merchant", q.Merchant)
	anyOf(f, "merchant", q.Merchants)
	f.eq("k1", q.K1)
	f.eq("k2", q.K2)
	if q.From != "" {
		f.add("day >= " + f.arg(q.From))
	}
	if q.To != "" {
		f.add("day <= " + f.arg(q.To))
	}
	group := strings.Join(append(groupColumns(q.By), "metric"), ", ")
	return `SELECT ` + group + `, sum(n)::bigint, sum(sum)::bigint FROM report_cells` + f.sql() + `
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
func (t *Tx) AllCells(ctx context.Context) ([]store.Cell, error) {
	var out []store.Cell
	err := t.query(ctx, `
		SELECT merchant, dim, k1, k2, day, metric, n, sum FROM report_cells WHERE n <> 0 OR sum <> 0
		ORDER BY merchant, dim, k1, k2, day, metric`, nil,
		func(rows pgx.Rows) error {
			var c store.Cell
			err := rows.Scan(&c.Merchant, &c.Dim, &c.K1, &c.K2, &c.Day, &c.Metric, &c.N, &c.Sum)
			out = append(out, c)
			return err
		})
	if err != nil {
		return nil, wrap(err, "all cells")
	}
	return out, nil
}

// resetMarksSQL moves every mark's seq on and counts it folded: none waits (the rebuild
// marks every record), and a folder that read a mark before the reset can no longer claim
// it.
const resetMarksSQL = `UPDATE report_dirty SET seq = seq + 1, folded_seq = seq + 1`

// ResetReports deletes every cell and contribution and leaves no mark waiting
// (resetMarksSQL); the statements travel with the next.
func (t *Tx) ResetReports(ctx context.Context) error {
	for _, table := range []string{"report_cells", "report_contributions"} {
		if err := t.later(ctx, "reset reports: "+table, `DELETE FROM `+table); err != nil {
			return err
		}
	}
	return t.later(ctx, "reset reports: marks", resetMarksSQL)
}

// SourceKeys returns up to limit ids of a record kind after after, in order.
func (t *Tx) SourceKeys(ctx context.Context, kind, after string, limit int) ([]string, error) {
	q, known := sourceKeysSQL[kind]
	if !known {
		return nil, fmt.Errorf("source keys: unknown record kind %q", kind)
	}
	if limit <= 0 {
		return nil, nil
	}
	var ids []string
	err := t.query(ctx, q, []any{after, limit}, func(rows pgx.Rows) error {
		var id string
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, wrap(err, "source keys of %s", kind)
	}
	return ids, nil
}

// jsonOrNull is b as a json column: NULL when empty, an error when not JSON (the column
// would refuse it, but only later).
func jsonOrNull(b []byte) (*string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, errors.New("not valid JSON")
	}
	s := string(b)
	return &s, nil
}

// scheduleArgs are the values of a schedule's columns (its id first): $1 to $15 of the
// statements below (created_at last).
func scheduleArgs(s *store.ReportSchedule, now time.Time) ([]any, error) {
	params, err := jsonOrNull(s.Params)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return []any{s.ID, s.Merchant, s.Owner, s.Report, params, s.Frequency, s.Channel, s.Target, s.Format, s.Lang,
		utcMicro(s.NextAt), nullTime(utcMicro(s.LastAt)), s.LastError, s.Secret, utcMicro(orNow(s.CreatedAt, now))}, nil
}

// InsertSchedule stores a scheduled report. A taken id is ErrConflict: the statement is
// sent at once and skips a taken id (ON CONFLICT DO NOTHING), so the refusal comes back
// from the call and leaves the transaction usable.
func (t *Tx) InsertSchedule(ctx context.Context, s store.ReportSchedule) error {
	args, err := scheduleArgs(&s, t.now)
	if err != nil {
		return fmt.Errorf("insert report schedule %s: %w", s.ID, err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO report_schedules (id, merchant, owner, report, params, frequency, channel, target, format, lang,
		    next_at, last_at, last_error, secret, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT DO NOTHING`, args...)
	if err == nil && added == 0 {
		err = fmt.Errorf("the id is taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert report schedule %s", s.ID)
}

// UpdateSchedule replaces a schedule's fields but the time it was made; ErrNotFound,
// reported by the call, if there is none.
func (t *Tx) UpdateSchedule(ctx context.Context, s store.ReportSchedule) error {
	args, err := scheduleArgs(&s, t.now)
	if err != nil {
		return fmt.Errorf("update report schedule %s: %w", s.ID, err)
	}
	n, err := t.exec(ctx, `
		UPDATE report_schedules SET merchant = $2, owner = $3, report = $4, params = $5, frequency = $6, channel = $7,
		    target = $8, format = $9, lang = $10, next_at = $11, last_at = $12, last_error = $13, secret = $14
		WHERE id = $1`, args[:14]...)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update report schedule %s", s.ID)
}

// DeleteSchedule removes a schedule; ErrNotFound, reported by the call, if there is none.
func (t *Tx) DeleteSchedule(ctx context.Context, id string) error {
	n, err := t.exec(ctx, `DELETE FROM report_schedules WHERE id = $1`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "delete report schedule %s", id)
}

// scheduleColumns are what scheduleRow receives, in its order.
const scheduleColumns = `id, merchant, owner, report, params, frequency, channel, target, secret, format, lang, next_at,
		       last_at, last_error, created_at`

// scheduleRow receives a row of scheduleColumns.
type scheduleRow struct {
	s      store.ReportSchedule
	params *string
	last   *time.Time
}

func (row *scheduleRow) dest() []any {
	s := &row.s
	return []any{&s.ID, &s.Merchant, &s.Owner, &s.Report, &row.params, &s.Frequency, &s.Channel, &s.Target, &s.Secret,
		&s.Format, &s.Lang, &s.NextAt, &row.last, &s.LastError, &s.CreatedAt}
}

func (row *scheduleRow) schedule() store.ReportSchedule {
	s := row.s
	if row.params != nil {
		s.Params = []byte(*row.params)
	}
	s.LastAt = timeOf(row.last)
	return s
}

// querySchedules runs a query of scheduleColumns.
func (t *Tx) querySchedules(ctx context.Context, q string, args ...any) ([]store.ReportSchedule, error) {
	var out []store.ReportSchedule
	err := t.query(ctx, q, args, func(rows pgx.Rows) error {
		var row scheduleRow
		if err := rows.Scan(row.dest()...); err != nil {
			return err
		}
		out = append(out, row.schedule())
		return nil
	})
	return out, err
}

// Schedule returns a schedule by id.
func (t *Tx) Schedule(ctx context.Context, id string) (store.ReportSchedule, error) {
	var row scheduleRow
	err := t.queryRow(ctx, `SELECT `+scheduleColumns+` FROM report_schedules WHERE id = $1`, []any{id}, row.dest()...)
	if err != nil {
		return store.ReportSchedule{}, wrap(err, "report schedule %s", id)
	}
	return row.schedule(), nil
}

// ListSchedules returns every schedule, or a merchant's (report_schedules_merchant), by id.
func (t *Tx) ListSchedules(ctx context.Context, merchant string) ([]store.ReportSchedule, error) {
	f := &filter{}
	f.eq("merchant", merchant)
	ss, err := t.querySchedules(ctx, `SELECT `+scheduleColumns+` FROM report_schedules`+f.sql()+` ORDER BY id`, f.args...)
	return ss, wrap(err, "report schedules of %q", merchant)
}

// dueSchedulesSQL is DueSchedules' query (report_schedules_next).
const dueSchedulesSQL = `SELECT ` + scheduleColumns + ` FROM report_schedules WHERE next_at <= $1
		ORDER BY next_at, id LIMIT $2`

// DueSchedules returns up to limit schedules due at now, soonest first. They stay locked
// until the transaction ends, and those another transaction locked are skipped, so that
// two replicas never send one twice. A View only reads them.
func (t *Tx) DueSchedules(ctx context.Context, now time.Time, limit int) ([]store.ReportSchedule, error) {
	if limit <= 0 {
		return nil, nil
	}
	q := dueSchedulesSQL
	if !t.readOnly() {
		q += " FOR UPDATE SKIP LOCKED"
	}
	ss, err := t.querySchedules(ctx, q, now, limit)
	return ss, wrap(err, "due report schedules")
}

// PutScorecard stores or replaces a merchant's scorecard of a month; the upsert travels
// with the next statement.
func (t *Tx) PutScorecard(ctx context.Context, s store.Scorecard) error {
	if _, err := time.Parse("2006-01", s.Month); err != nil || s.Merchant == "" {
		return fmt.Errorf("put scorecard: merchant %q, month %q (YYYY-MM)", s.Merchant, s.Month)
	}
	figures, err := jsonOrNull(s.Figures)
	if err != nil {
		return fmt.Errorf("put scorecard of %s for %s: figures: %w", s.Merchant, s.Month, err)
	}
	return t.later(ctx, fmt.Sprintf("put scorecard of %s for %s", s.Merchant, s.Month), `
		INSERT INTO scorecards (merchant, month, score, tier, figures, computed_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (merchant, month) DO UPDATE
		SET score = excluded.score, tier = excluded.tier, figures = excluded.figures, computed_at = excluded.computed_at`,
		s.Merchant, s.Month, s.Score, s.Tier, figures, utcMicro(orNow(s.ComputedAt, t.now)))
}

// scorecardColumns are what scorecardRow receives, in its order.
const scorecardColumns = `merchant, month, score, tier, figures, computed_at`

// scorecardRow receives a row of scorecardColumns.
type scorecardRow struct {
	s       store.Scorecard
	figures *string
}

func (row *scorecardRow) dest() []any {
	s := &row.s
	return []any{&s.Merchant, &s.Month, &s.Score, &s.Tier, &row.figures, &s.ComputedAt}
}

func (row *scorecardRow) scorecard() store.Scorecard {
	s := row.s
	if row.figures != nil {
		s.Figures = []byte(*row.figures)
	}
	return s
}

// Scorecards returns a month's scorecards, of one merchant or all, best first
// (scorecards_month_score).
func (t *Tx) Scorecards(ctx context.Context, month, merchant string) ([]store.Scorecard, error) {
	f := &filter{}
	f.add("month = " + f.arg(month))
	f.eq("merchant", merchant)
	var out []store.Scorecard
	err := t.query(ctx, `SELECT `+scorecardColumns+` FROM scorecards`+f.sql()+` ORDER BY score DESC, merchant`, f.args,
		func(rows pgx.Rows) error {
			var row scorecardRow
			if err := rows.Scan(row.dest()...); err != nil {
				return err
			}
			out = append(out, row.scorecard())
			return nil
		})
	return out, wrap(err, "scorecards of %s", month)
}

// LatestScorecard returns a merchant's scorecard of the latest month before before (""
// any), through the primary key.
func (t *Tx) LatestScorecard(ctx context.Context, merchant, before string) (store.Scorecard, error) {
	f := &filter{}
	f.add("merchant = " + f.arg(merchant))
	if before != "" {
		f.add("month < " + f.arg(before))
	}
	var row scorecardRow
	err := t.queryRow(ctx, `SELECT `+scorecardColumns+` FROM scorecards`+f.sql()+` ORDER BY month DESC LIMIT 1`, f.args,
		row.dest()...)
	if err != nil {
		return store.Scorecard{}, wrap(err, "latest scorecard of %s before %q", merchant, before)
	}
	return row.scorecard(), nil
}

// ScorecardRules returns the stored scorecard rules and their version.
func (t *Tx) ScorecardRules(ctx context.Context) ([]byte, int, error) {
	return t.rulesDoc(ctx, "scorecard_rules", "scorecard rules")
}

// SaveScorecardRules stores the scorecard rules as version (see saveRulesDoc).
func (t *Tx) SaveScorecardRules(ctx context.Context, body []byte, version int) error {
	return t.saveRulesDoc(ctx, "scorecard_rules", "scorecard rules", body, version)
}
