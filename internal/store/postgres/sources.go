package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/store"
)

// The statements of CaseSources, in the order they run, and of Contributions.
const (
	sourceCasesSQL      = `SELECT id, data FROM cases WHERE id = ANY ($1)`
	sourceCategoriesSQL = `SELECT c.id, i.sku, i.category FROM cases c JOIN order_items i ON i.order_no = c.order_no
		WHERE c.id = ANY ($1)`
	sourceEventsSQL     = `SELECT case_id, ` + eventColumns + ` FROM case_events WHERE case_id = ANY ($1) ORDER BY case_id, seq`
	sourceMessagesSQL   = `SELECT ` + messageColumns + ` FROM case_messages WHERE case_id = ANY ($1) AND public ORDER BY case_id, seq`
	sourceSurveysSQL    = `SELECT ` + surveyColumns + ` FROM surveys WHERE case_id = ANY ($1)`
	sourceDisputesSQL   = `SELECT case_id, body FROM disputes WHERE case_id = ANY ($1) ORDER BY case_id, created_at, id`
	sourceEntriesSQL    = `SELECT ` + entryColumns + ` FROM ledger_entries WHERE case_id = ANY ($1) ORDER BY case_id, created_at, id`
	sourceComplaintsSQL = `SELECT case_id, body FROM complaints WHERE case_id = ANY ($1) AND about = '` + string(complaint.AboutAgent) + `'
		ORDER BY case_id, updated_at DESC, id DESC`
	contributionsSQL = `SELECT id, facts FROM report_contributions WHERE kind = $1 AND id = ANY ($2)`
)

// CaseSources reads what the cases' report facts depend on in one round trip: one
// statement a part, each for all the cases (= ANY ($1), through the part's index on its
// case), in one pipeline.
func (t *Tx) CaseSources(ctx context.Context, ids []string) (map[string]*store.CaseSource, error) {
	srcs := make(map[string]*store.CaseSource, len(ids))
	if len(ids) == 0 {
		return srcs, nil
	}
	// The cases come first in the pipeline: the parts after them attach to the cases
	// found and skip rows of a case that was not (deleted between the statements).
	b := t.batch()
	each := func(sql string, scan func(rows pgx.Rows) error) {
		b.Queue(sql, ids).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		})
	}
	each(sourceCasesSQL, func(rows pgx.Rows) error {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return err
		}
		src := &store.CaseSource{Categories: map[string]string{}}
		if err := json.Unmarshal(data, &src.Case); err != nil {
			return fmt.Errorf("decode case %s: %w", id, err)
		}
		srcs[id] = src
		return nil
	})
	each(sourceCategoriesSQL, func(rows pgx.Rows) error {
		var id, sku, category string
		if err := rows.Scan(&id, &sku, &category); err != nil {
			return err
		}
		if src := srcs[id]; src != nil {
			src.Categories[sku] = category
		}
		return nil
	})
	each(sourceEventsSQL, func(rows pgx.Rows) error {
		var id string
		ev, err := scanEvent(rows, &id)
		if src := srcs[id]; err == nil && src != nil {
			src.Events = append(src.Events, ev)
		}
		return err
	})
	each(sourceMessagesSQL, func(rows pgx.Rows) error {
		m, err := scanMessage(rows)
		if src := srcs[m.CaseID]; err == nil && src != nil {
			src.Messages = append(src.Messages, m)
		}
		return err
	})
	each(sourceSurveysSQL, func(rows pgx.Rows) error {
		var r surveyRow
		if err := rows.Scan(r.dest()...); err != nil {
			return err
		}
		if src := srcs[r.s.CaseID]; src != nil {
			s := r.survey()
			src.Survey = &s
		}
		return nil
	})
	each(sourceDisputesSQL, caseBody(srcs, "dispute", func(src *store.CaseSource, d dispute.Dispute) {
		src.Disputes = append(src.Disputes, d)
	}))
	each(sourceEntriesSQL, func(rows pgx.Rows) error {
		e, err := scanEntry(rows)
		if src := srcs[e.CaseID]; err == nil && src != nil {
			src.Entries = append(src.Entries, e)
		}
		return err
	})
	each(sourceComplaintsSQL, caseBody(srcs, "complaint", func(src *store.CaseSource, c complaint.Complaint) {
		src.Complaints = append(src.Complaints, c)
	}))
	if err := t.send(ctx, b); err != nil {
		return nil, wrap(err, "sources of %d cases", len(ids))
	}
	return srcs, nil
}

// Contributions returns what each of the records last added to the cells, byte for byte (a
// text column), in one statement.
func (t *Tx) Contributions(ctx context.Context, kind string, ids []string) (map[string][]byte, error) {
	facts := make(map[string][]byte, len(ids))
	if len(ids) == 0 {
		return facts, nil
	}
	err := t.query(ctx, contributionsSQL, []any{kind, ids}, func(rows pgx.Rows) error {
		var id, f string
		if err := rows.Scan(&id, &f); err != nil {
			return err
		}
		facts[id] = []byte(f)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "contributions of %d %ss", len(ids), kind)
	}
	return facts, nil
}

// caseBody scans a row of (case_id, body) and gives the body, decoded, to add with the
// source of its case (none when the case was not found).
func caseBody[T any](srcs map[string]*store.CaseSource, what string, add func(*store.CaseSource, T)) func(rows pgx.Rows) error {
	return func(rows pgx.Rows) error {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return err
		}
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("%s of case %s: %w", what, id, err)
		}
		if src := srcs[id]; src != nil {
			add(src, v)
		}
		return nil
	}
}
