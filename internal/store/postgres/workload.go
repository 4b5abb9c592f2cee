package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// Workload counts each merchant's open cases in one pass over them.
func (t *Tx) Workload(ctx context.Context, q store.WorkloadQuery) ([]store.MerchantLoad, error) {
	var f filter
	now := f.arg(q.Now)
	f.add("state <> ALL (" + f.arg(terminalStates) + "::text[])")
	anyOf(&f, "merchant_code", q.Merchants)
	sql := `
SELECT merchant_code, count(*),
       count(*) FILTER (WHERE due_at < ` + now + `),
       count(*) FILTER (WHERE sla = 'at_risk'),
       count(*) FILTER (WHERE sla = 'breached'),
       count(*) FILTER (WHERE priority = 'urgent'),
       count(*) FILTER (WHERE priority = 'high')
FROM cases` + f.sql() + `
GROUP BY merchant_code ORDER BY merchant_code`
	var out []store.MerchantLoad
	err := t.query(ctx, sql, f.args, func(rows pgx.Rows) error {
		var m store.MerchantLoad
		var open, overdue, atRisk, breached, urgent, high int64
		if err := rows.Scan(&m.Merchant, &open, &overdue, &atRisk, &breached, &urgent, &high); err != nil {
			return err
		}
		m.Open, m.Overdue, m.AtRisk, m.Breached, m.Urgent, m.High = int(open), int(overdue), int(atRisk), int(breached), int(urgent), int(high)
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("workload: %w", err)
	}
	return out, nil
}
