package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// setList is an UPDATE's SET clause and its arguments. SQLite rewrites an index's entry
// whenever an UPDATE sets one of its columns, to the value it had or not, so an indexed
// column goes in only when its value changes (changed).
type setList struct {
	columns []string
	args    []any
}

// set sets column to value.
func (s *setList) set(column string, value any) {
	s.columns = append(s.columns, column+" = ?")
	s.args = append(s.args, value)
}

// changed sets column to value when it is not stored (a value of the type Scan gives it:
// string, int64, or nil for NULL).
func (s *setList) changed(column string, stored, value any) {
	if stored != value {
		s.set(column, value)
	}
}

// sql is the list after SET.
func (s *setList) sql() string { return strings.Join(s.columns, ", ") }

// prune runs a retention sweep's delete, q, of at most limit rows older than before (its
// two arguments, in microseconds and the limit), and returns how many rows it deleted; what
// names it in an error, with before for its %v.
func (tx *Tx) prune(ctx context.Context, q, what string, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := tx.exec(ctx, q, micros(before), limit)
	if err != nil {
		return 0, fmt.Errorf(what+": %w", before, dbErr(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}
