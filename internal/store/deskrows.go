package store

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// What both stores do to canned replies, articles and reviews before they write them
// (store.Desk), as for shipments (logisticsrows.go): every time in UTC to the microsecond,
// a zero creation or update time taken as the transaction's now. The caller's value is
// never changed.

// StoredReply is r as a store keeps it, or an error (none of the sentinels) when it has
// no id, an unknown scope, a merchant's reply without its merchant, or a version below 1.
func StoredReply(r *CannedReply, now time.Time) (CannedReply, error) {
	switch {
	case r.ID == "":
		return CannedReply{}, fmt.Errorf("a canned reply needs an id")
	case r.Scope != "platform" && r.Scope != "merchant":
		return CannedReply{}, fmt.Errorf("canned reply %s: unknown scope %q", r.ID, r.Scope)
	case r.Scope == "merchant" && r.Merchant == "":
		return CannedReply{}, fmt.Errorf("canned reply %s: a merchant's reply needs its merchant", r.ID)
	case r.Version < 1:
		return CannedReply{}, fmt.Errorf("canned reply %s: version %d", r.ID, r.Version)
	}
	n := *r
	n.CreatedAt, n.UpdatedAt = utcMicro(orNow(r.CreatedAt, now)), utcMicro(orNow(r.UpdatedAt, now))
	return n, nil
}

// StoredArticle is a as a store keeps it (its tags copied), or an error (none of the
// sentinels) when it has no id or a version below 1.
func StoredArticle(a *Article, now time.Time) (Article, error) {
	switch {
	case a.ID == "":
		return Article{}, fmt.Errorf("an article needs an id")
	case a.Version < 1:
		return Article{}, fmt.Errorf("article %s: version %d", a.ID, a.Version)
	}
	n := *a
	n.Tags = slices.Clone(a.Tags)
	n.CreatedAt, n.UpdatedAt = utcMicro(orNow(a.CreatedAt, now)), utcMicro(orNow(a.UpdatedAt, now))
	return n, nil
}

// StoredReview is r as a store keeps it (no scores read back nil), or an error (none of
// the sentinels) when it has no id or case or a version below 1.
func StoredReview(r *Review, now time.Time) (Review, error) {
	switch {
	case r.ID == "" || r.CaseID == "":
		return Review{}, fmt.Errorf("a review needs an id and a case")
	case r.Version < 1:
		return Review{}, fmt.Errorf("review %s: version %d", r.ID, r.Version)
	}
	n := *r
	n.Scores = maps.Clone(r.Scores)
	if len(n.Scores) == 0 {
		n.Scores = nil
	}
	n.CreatedAt, n.DoneAt = utcMicro(orNow(r.CreatedAt, now)), utcMicro(r.DoneAt)
	return n, nil
}
