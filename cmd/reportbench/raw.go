package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the driver the SQLite store uses
)

// rawDB is the store's database reached directly, for the baseline: the cases as rows of
// a plain table (bench_cases), scanned as a report without aggregates would scan them.
type rawDB interface {
	exec(ctx context.Context, q string) error
	insert(ctx context.Context, rows []rawRow) error
	// scan runs a query and reads every row; it returns how many.
	scan(ctx context.Context, q string, args ...any) (int, error)
	// sizes returns the database's size, the cells' (table and indexes) and bench_cases'.
	sizes(ctx context.Context) (total, cells, raw int64, err error)
	close()
}

const createRaw = `CREATE TABLE bench_cases (
    day TEXT NOT NULL, merchant TEXT NOT NULL, category TEXT NOT NULL, sku TEXT NOT NULL, reason TEXT NOT NULL, type TEXT NOT NULL,
    first_response_s BIGINT NOT NULL, resolved_s BIGINT NOT NULL, refund BIGINT NOT NULL, survey BIGINT NOT NULL, dispute BIGINT NOT NULL)`

// rawQueries are the baseline's queries over a year ($1, $2 the first and last day;
// $3 the merchant or the category): what each report shape costs without aggregates.
var rawQueries = []struct{ name, where, group string }{
	{"platform by day", "", "day"},
	{"merchant by day", " AND merchant = $3", "day"},
	{"category by day", " AND category = $3", "day"},
	{"by merchant", "", "merchant"},
	{"by category", "", "category"},
	{"by reason", "", "reason"},
	{"by sku", "", "sku"},
}

func rawSQL(where, group string) string {
	return `SELECT ` + group + `, count(*), sum(first_response_s), sum(CASE WHEN first_response_s > 0 THEN 1 ELSE 0 END),
       sum(resolved_s), sum(CASE WHEN resolved_s > 0 THEN 1 ELSE 0 END), sum(refund), sum(survey), sum(dispute)
FROM bench_cases WHERE day BETWEEN $1 AND $2` + where + ` GROUP BY ` + group + ` ORDER BY ` + group
}

// sqliteRaw is a connection of its own to the store's SQLite file (WAL: it reads and
// writes beside the store's connections).
type sqliteRaw struct {
	db   *sql.DB
	path string
}

func openSQLiteRaw(path string) (*sqliteRaw, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &sqliteRaw{db: db, path: path}, nil
}

func (s *sqliteRaw) exec(ctx context.Context, q string) error {
	_, err := s.db.ExecContext(ctx, q)
	return err
}

func (s *sqliteRaw) insert(ctx context.Context, rows []rawRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO bench_cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r.day, r.merchant, r.category, r.sku, r.reason, r.typ, r.firstResponse, r.resolved, r.refund, r.survey, r.dispute); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *sqliteRaw) scan(ctx context.Context, q string, args ...any) (int, error) {
	for i := len(args); i >= 1; i-- {
		q = strings.ReplaceAll(q, fmt.Sprintf("$%d", i), fmt.Sprintf("?%d", i))
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func (s *sqliteRaw) sizes(ctx context.Context) (total, cells, raw int64, err error) {
	if _, err = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return
	}
	total = fi.Size()
	// dbstat, when the driver has it: the pages of each table and index.
	_ = s.db.QueryRowContext(ctx, `SELECT sum(pgsize) FROM dbstat WHERE name IN ('report_cells', 'report_cells_day', 'report_cells_key_day')`).Scan(&cells)
	_ = s.db.QueryRowContext(ctx, `SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('bench_cases', 'bench_cases_day')`).Scan(&raw)
	return total, cells, raw, nil
}

func (s *sqliteRaw) close() { s.db.Close() }

// pgRaw is a connection of its own to the store's PostgreSQL database.
type pgRaw struct{ conn *pgx.Conn }

func openPGRaw(ctx context.Context, dbURL string) (*pgRaw, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	return &pgRaw{conn: conn}, nil
}

func (p *pgRaw) exec(ctx context.Context, q string) error {
	_, err := p.conn.Exec(ctx, q)
	return err
}

func (p *pgRaw) insert(ctx context.Context, rows []rawRow) error {
	_, err := p.conn.CopyFrom(ctx, pgx.Identifier{"bench_cases"},
		[]string{"day", "merchant", "category", "sku", "reason", "type", "first_response_s", "resolved_s", "refund", "survey", "dispute"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.day, r.merchant, r.category, r.sku, r.reason, r.typ, r.firstResponse, r.resolved, r.refund, r.survey, r.dispute}, nil
		}))
	return err
}

func (p *pgRaw) scan(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := p.conn.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func (p *pgRaw) sizes(ctx context.Context) (total, cells, raw int64, err error) {
	err = p.conn.QueryRow(ctx, `SELECT pg_database_size(current_database()), pg_total_relation_size('report_cells'),
		coalesce(pg_total_relation_size(to_regclass('bench_cases')), 0)`).Scan(&total, &cells, &raw)
	return
}

func (p *pgRaw) close() { p.conn.Close(context.Background()) }

// recreateDatabase drops and creates the database dbURL names, through the server's
// postgres database: a scratch database for the run.
func recreateDatabase(ctx context.Context, dbURL string) error {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	name := cfg.Database
	if name == "" || name == "postgres" || name == "template0" || name == "template1" {
		return fmt.Errorf("--create-database: refusing to drop database %q", name)
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+id)
	return err
}

// dropDatabase drops the scratch database again.
func dropDatabase(ctx context.Context, dbURL string) error {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}
