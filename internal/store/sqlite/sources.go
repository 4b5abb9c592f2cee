package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/store"
)

// sourceIn is how the statements below take their case ids: one JSON array.
const sourceIn = ` IN (SELECT value FROM json_each(?))`

// The statements of CaseSources, in the order they run, and of Contributions.
const (
	sourceCasesSQL      = `SELECT id, data FROM cases WHERE id` + sourceIn
	sourceCategoriesSQL = `SELECT c.id, i.sku, i.category FROM cases c JOIN order_items i ON i.order_no = c.order_no
WHERE c.id` + sourceIn
	sourceEventsSQL     = `SELECT case_id, ` + eventColumns + ` FROM case_events WHERE case_id` + sourceIn + ` ORDER BY case_id, seq`
	sourceMessagesSQL   = `SELECT ` + messageColumns + ` FROM case_messages WHERE case_id` + sourceIn + ` AND public ORDER BY case_id, seq`
	sourceSurveysSQL    = `SELECT ` + surveyColumns + ` FROM surveys WHERE case_id` + sourceIn
	sourceDisputesSQL   = `SELECT case_id, body FROM disputes WHERE case_id` + sourceIn + ` ORDER BY case_id, created_at, id`
	sourceEntriesSQL    = `SELECT ` + entryColumns + ` FROM ledger_entries WHERE case_id` + sourceIn + ` ORDER BY case_id, created_at, id`
	sourceComplaintsSQL = `SELECT case_id, body FROM complaints WHERE case_id` + sourceIn + ` AND about = '` + string(complaint.AboutAgent) + `'
ORDER BY case_id, updated_at DESC, id DESC`
	contributionsSQL = `SELECT id, facts FROM report_contributions WHERE kind = ? AND id` + sourceIn
)

// CaseSources reads what the cases' report facts depend on, one statement a part, each
// for all the cases: the ids travel as one JSON array (json_each), looked up through each
// part's index on its case.
func (tx *Tx) CaseSources(ctx context.Context, ids []string) (map[string]*store.CaseSource, error) {
	srcs := make(map[string]*store.CaseSource, len(ids))
	if len(ids) == 0 {
		return srcs, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// The cases come first: the parts after them attach to the cases found.
	each := func(q string, scan func(row scanner) error) error {
		rows, err := tx.query(ctx, q, string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err = each(sourceCasesSQL, func(row scanner) error {
		var id, data string
		if err := row.Scan(&id, &data); err != nil {
			return err
		}
		src := &store.CaseSource{Categories: map[string]string{}}
		if err := json.Unmarshal([]byte(data), &src.Case); err != nil {
			return fmt.Errorf("decode case %s: %w", id, err)
		}
		srcs[id] = src
		return nil
	})
	if err == nil {
		err = each(sourceCategoriesSQL, func(row scanner) error {
			var id, sku, category string
			if err := row.Scan(&id, &sku, &category); err != nil {
				return err
			}
			if src := srcs[id]; src != nil {
				src.Categories[sku] = category
			}
			return nil
		})
	}
	if err == nil {
		err = each(sourceEventsSQL, func(row scanner) error {
			var id string
			ev, err := scanEvent(row, &id)
			if src := srcs[id]; err == nil && src != nil {
				src.Events = append(src.Events, ev)
			}
			return err
		})
	}
	if err == nil {
		err = each(sourceMessagesSQL, func(row scanner) error {
			m, err := scanMessage(row)
			if src := srcs[m.CaseID]; err == nil && src != nil {
				src.Messages = append(src.Messages, m)
			}
			return err
		})
	}
	if err == nil {
		err = each(sourceSurveysSQL, func(row scanner) error {
			s, err := scanSurvey(row)
			if src := srcs[s.CaseID]; err == nil && src != nil {
				src.Survey = &s
			}
			return err
		})
	}
	if err == nil {
		err = each(sourceDisputesSQL, caseBody(srcs, "dispute", func(src *store.CaseSource, d dispute.Dispute) {
			src.Disputes = append(src.Disputes, d)
		}))
	}
	if err == nil {
		err = each(sourceEntriesSQL, func(row scanner) error {
			e, err := scanEntry(row)
			if src := srcs[e.CaseID]; err == nil && src != nil {
				src.Entries = append(src.Entries, e)
			}
			return err
		})
	}
	if err == nil {
		err = each(sourceComplaintsSQL, caseBody(srcs, "complaint", func(src *store.CaseSource, c complaint.Complaint) {
			src.Complaints = append(src.Complaints, c)
		}))
	}
	if err != nil {
		return nil, fmt.Errorf("sources of %d cases: %w", len(ids), err)
	}
	return srcs, nil
}

// Contributions returns what each of the records last added to the cells, in one
// statement.
func (tx *Tx) Contributions(ctx context.Context, kind string, ids []string) (map[string][]byte, error) {
	facts := make(map[string][]byte, len(ids))
	if len(ids) == 0 {
		return facts, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, contributionsSQL, kind, string(list))
	if err != nil {
		return nil, fmt.Errorf("contributions of %d %ss: %w", len(ids), kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, f string
		if err := rows.Scan(&id, &f); err != nil {
			return nil, fmt.Errorf("contributions of %d %ss: %w", len(ids), kind, err)
		}
		facts[id] = []byte(f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contributions of %d %ss: %w", len(ids), kind, err)
	}
	return facts, nil
}

// caseBody scans a row of (case_id, body) and gives the body, decoded, to add with the
// source of its case (none when the case was not found).
func caseBody[T any](srcs map[string]*store.CaseSource, what string, add func(*store.CaseSource, T)) func(row scanner) error {
	return func(row scanner) error {
		var id string
		var body []byte
		if err := row.Scan(&id, &body); err != nil {
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
