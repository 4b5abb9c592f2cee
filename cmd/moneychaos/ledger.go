package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// settle waits until no entry of the merchant is pending, paying again each entry that
// failed for good. It reports whether the ledger settled within timeout.
func settle(ctx context.Context, api *client, token, merchant string, start time.Time, timeout time.Duration, rep *report) (bool, error) {
	deadline := time.Now().Add(timeout)
	paidAgain := map[string]bool{}
	for {
		// Pending first: once none is, no entry can fail any more, so the failed read
		// after it is complete.
		var page ledgerPage
		q := url.Values{"merchant": {merchant}, "state": {"pending"}, "limit": {"1"}}
		if err := api.do(ctx, http.MethodGet, "/api/v1/ledger?"+q.Encode(), token, "", nil, &page); err != nil {
			return false, fmt.Errorf("reading the pending entries: %w", err)
		}
		pending := 0
		for _, t := range page.Totals {
			pending += t.Count
		}
		if len(rep.pendingCurve) == 0 || rep.pendingCurve[len(rep.pendingCurve)-1].pending != pending {
			rep.pendingCurve = append(rep.pendingCurve, pendingPoint{at: time.Since(start), pending: pending})
		}
		failed, err := ledgerEntries(ctx, api, token, merchant, "failed")
		if err != nil {
			return false, fmt.Errorf("reading the failed entries: %w", err)
		}
		again := 0
		for _, e := range failed {
			if paidAgain[e.ID] {
				continue
			}
			var n entry
			err := api.do(ctx, http.MethodPost, "/api/v1/ledger/"+e.ID+"/retry", token, "retry:"+e.ID, map[string]any{"method": "balance"}, &n)
			var ae *apiError
			if errors.As(err, &ae) && ae.status == http.StatusConflict {
				err = nil // paid again already (by an earlier try of this loop)
			}
			if err != nil {
				return false, fmt.Errorf("paying failed entry %s again: %w", e.ID, err)
			}
			paidAgain[e.ID] = true
			rep.paidAgain = append(rep.paidAgain, fmt.Sprintf("%s (case %s, %s %d, %d attempts: %s)", e.ID, e.CaseNumber, e.SKU, e.Amount, e.Attempts, e.LastError))
			again++
		}
		if pending == 0 && again == 0 {
			return true, nil
		}
		if time.Now().After(deadline) {
			stuck, err := ledgerEntries(ctx, api, token, merchant, "pending")
			if err == nil {
				rep.stuck = stuck
			}
			return false, nil
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
	}
}

// entry is a ledger entry as the run reads it.
type entry struct {
	ID             string     `json:"id"`
	CaseID         string     `json:"case_id"`
	CaseNumber     string     `json:"case_number"`
	SKU            string     `json:"sku"`
	Kind           string     `json:"kind"`
	Amount         int64      `json:"amount"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	Method         string     `json:"method"`
	IdempotencyKey string     `json:"idempotency_key"`
	LastError      string     `json:"last_error"`
	Replaces       string     `json:"replaces"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
}

type ledgerPage struct {
	Entries    []entry `json:"entries"`
	NextCursor string  `json:"next_cursor"`
	Totals     []struct {
		State  string `json:"state"`
		Count  int    `json:"count"`
		Amount int64  `json:"amount"`
	} `json:"totals"`
}

// ledgerEntries reads every page of the merchant's entries (of one state, when given).
func ledgerEntries(ctx context.Context, api *client, token, merchant, state string) ([]entry, error) {
	var all []entry
	q := url.Values{"merchant": {merchant}, "limit": {"500"}}
	if state != "" {
		q.Set("state", state)
	}
	for {
		var page ledgerPage
		if err := api.do(ctx, http.MethodGet, "/api/v1/ledger?"+q.Encode(), token, "", nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Entries...)
		if page.NextCursor == "" {
			return all, nil
		}
		q.Set("cursor", page.NextCursor)
	}
}
