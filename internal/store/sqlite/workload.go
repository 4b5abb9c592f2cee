package sqlite

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Workload counts each merchant's open cases in one pass over them.
func (tx *Tx) Workload(ctx context.Context, q store.WorkloadQuery) ([]store.MerchantLoad, error) {
	var f filter
	f.add("state NOT IN (?, ?)", string(aftersale.Completed), string(aftersale.Closed))
	in(&f, "merchant_code", q.Merchants)
	query := `
SELECT merchant_code, count(*),
       sum(CASE WHEN due_at < ? THEN 1 ELSE 0 END),
       sum(CASE WHEN sla = 'at_risk' THEN 1 ELSE 0 END),
       sum(CASE WHEN sla = 'breached' THEN 1 ELSE 0 END),
       sum(CASE WHEN priority = 'urgent' THEN 1 ELSE 0 END),
       sum(CASE WHEN priority = 'high' THEN 1 ELSE 0 END)
FROM cases` + f.sql() + `
GROUP BY merchant_code ORDER BY merchant_code`
	rows, err := tx.query(ctx, query, append([]any{micros(q.Now)}, f.args...)...)
	if err != nil {
		return nil, fmt.Errorf("workload: %w", err)
	}
	defer rows.Close()
	var out []store.MerchantLoad
	for rows.Next() {
		var m store.MerchantLoad
		if err := rows.Scan(&m.Merchant, &m.Open, &m.Overdue, &m.AtRisk, &m.Breached, &m.Urgent, &m.High); err != nil {
			return nil, fmt.Errorf("workload: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
