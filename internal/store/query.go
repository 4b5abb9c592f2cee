package store

import (
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// CaseQuery selects cases. Empty fields select everything.
type CaseQuery struct {
	Merchant string
	// Merchants, when not empty, limits the cases to these merchants (an agent's scope).
	Merchants   []string
	Customer    string
	OrderNo     string
	States      []aftersale.State
	Types       []aftersale.Type
	CreatedFrom time.Time // inclusive
	CreatedTo   time.Time // exclusive
	// OverdueAt selects open cases whose current deadline is before this time.
	OverdueAt  time.Time
	Reasons    []aftersale.Reason
	Priorities []aftersale.Priority
	// SLA, when set, selects the cases whose gravest recorded SLA notice it is
	// (aftersale.Case.SLAFlag, kept in the case's row).
	SLA aftersale.SLAFlag
	// Search, when set, selects the cases whose RMA number or order number equals it, or —
	// when it is four digits — whose customer's phone number ends in them (PhoneLast4).
	Search string
	// Assignee selects the cases a staff username owns; Unassigned those nobody owns;
	// Group those in a desk group's queue.
	Assignee   string
	Unassigned bool
	Group      string
	// OnTrack selects the cases with no SLA notice recorded (SLAFlag none).
	OnTrack bool
	Sort    CaseSort
	Cursor  string
	Limit   int // 1–500; 0 means 50
}

// CaseSort is the order in which ListCases returns cases; ties go by id.
type CaseSort string

// Sort orders of ListCases.
const (
	// SortCreated is newest first (created_at, id descending); the zero value sorts so.
	SortCreated CaseSort = "created"
	// SortDeadline is the current deadline (the earliest of the case's deadlines) soonest
	// first, cases without one last (due_at, id ascending).
	SortDeadline CaseSort = "deadline"
)

// Valid reports whether s is a sort order ("" is SortCreated).
func (s CaseSort) Valid() bool { return s == "" || s == SortCreated || s == SortDeadline }

// WorkloadQuery selects the merchants whose open cases Workload counts.
type WorkloadQuery struct {
	// Merchants, when not empty, limits the count to these merchants (a supervisor's scope).
	Merchants []string
	// Now is when a deadline counts as passed.
	Now time.Time
}

// MerchantLoad is what is open at one merchant: cases not completed or closed, of them
// the overdue ones (their current deadline has passed), those whose service clocks were at
// risk or breached (the recorded SLA flag), and the urgent and high-priority ones.
type MerchantLoad struct {
	Merchant                                      string
	Open, Overdue, AtRisk, Breached, Urgent, High int
}

// OrderQuery selects orders for ListOrders. Empty fields select everything.
type OrderQuery struct {
	Customer string
	Merchant string
	// Merchants, when not empty, limits the orders to these merchants (an agent's scope).
	Merchants []string
	Cursor    string
	Limit     int // 1–500; 0 means 50
}

// PhoneLast4 is what a phone search matches: the last four digits of a phone number,
// other characters ignored ("+86 138-0013-8000" → "8000"); "" when it has fewer than four.
// Both stores keep it beside the phone (customers.phone_last4), and their migrations fill
// it the same way for phones stored before.
func PhoneLast4(phone string) string {
	digits := make([]byte, 0, len(phone))
	for i := 0; i < len(phone); i++ {
		if c := phone[i]; '0' <= c && c <= '9' {
			digits = append(digits, c)
		}
	}
	if len(digits) < 4 {
		return ""
	}
	return string(digits[len(digits)-4:])
}

// IsPhoneLast4 reports whether a search is four ASCII digits, which also match phones.
func IsPhoneLast4(search string) bool {
	return len(search) == 4 && PhoneLast4(search) == search
}
