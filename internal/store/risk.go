package store

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/risk"
)

// Risk is the part of a transaction that gathers what the abuse risk score (package risk)
// weighs, and keeps the platform's watch list (观察名单) and each case's score at application.
type Risk interface {
	// RiskFeatures gathers a customer's history in a few aggregate statements: orders,
	// units, cases (and those created since since90), refunded value, refund-only cases,
	// not-received or lost-parcel claims, failed inspections (an empty box or a swapped
	// item by the inspection's finding, or by the words of its note), other accounts sharing the
	// normalised address, phone or a device, and cases created within promotionDays of
	// paying for a discounted line. WatchListed is set from the watch list. The cases a
	// recall plan opened (reason recall) are not the customer's doing and are not counted.
	// Only the customer's most recent orders and cases are read, recent of each (newest by
	// paid_at and created_at): an application's cost must not grow with a long history.
	RiskFeatures(ctx context.Context, customerID string, since90 time.Time, promotionDays, recent int) (risk.Features, error)
	// AddWatch puts a customer on the watch list; ErrConflict when already there.
	AddWatch(ctx context.Context, w WatchEntry) error
	// RemoveWatch takes a customer off the watch list; ErrNotFound when not there.
	RemoveWatch(ctx context.Context, customerID string) error
	// Watch returns a customer's watch-list entry; ErrNotFound when not on it.
	Watch(ctx context.Context, customerID string) (WatchEntry, error)
	// ListWatch returns the watch list, newest first.
	ListWatch(ctx context.Context) ([]WatchEntry, error)
	// RecordDevice notes that a customer used a device (first seen kept).
	RecordDevice(ctx context.Context, customerID, device string) error
	// CustomerBoughtFrom says whether a customer ever ordered from a merchant.
	CustomerBoughtFrom(ctx context.Context, customerID, merchant string) (bool, error)
	// SetCaseRisk keeps a case's score at application (reasons as JSON); a second call replaces it.
	SetCaseRisk(ctx context.Context, r CaseRisk) error
	// CaseRisk returns a case's score at application; ErrNotFound when none was kept.
	CaseRisk(ctx context.Context, caseID string) (CaseRisk, error)
}

// WatchEntry is a customer on the watch list, with why, by whom and when.
type WatchEntry struct {
	CustomerID string
	Reason     string
	By         string
	At         time.Time
}

// CaseRisk is a case's risk score at application.
type CaseRisk struct {
	CaseID  string
	Score   int
	Reasons []byte // JSON of []risk.Reason
	At      time.Time
}
