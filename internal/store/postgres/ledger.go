package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/store"
)

// Placeholders until the ledger's rows land (issue 11).
var errLedger = errors.New("ledger: not implemented yet")

func (t *Tx) InsertEntries(ctx context.Context, entries ...ledger.Entry) error { return errLedger }
func (t *Tx) Entry(ctx context.Context, id string) (ledger.Entry, error) {
	return ledger.Entry{}, errLedger
}
func (t *Tx) EntryByKey(ctx context.Context, key string) (ledger.Entry, error) {
	return ledger.Entry{}, errLedger
}
func (t *Tx) UpdateEntry(ctx context.Context, e ledger.Entry) error { return errLedger }
func (t *Tx) CaseEntries(ctx context.Context, caseID string) ([]ledger.Entry, error) {
	return nil, errLedger
}
func (t *Tx) ListEntries(ctx context.Context, q store.LedgerQuery) ([]ledger.Entry, string, error) {
	return nil, "", errLedger
}
func (t *Tx) LedgerTotals(ctx context.Context, q store.LedgerQuery) ([]store.LedgerTotal, error) {
	return nil, errLedger
}
func (t *Tx) LedgerStats(ctx context.Context) (store.LedgerStats, error) {
	return store.LedgerStats{}, errLedger
}
func (t *Tx) ItemsPaid(ctx context.Context, from, to time.Time) ([]ledger.ItemPaid, error) {
	return nil, errLedger
}
