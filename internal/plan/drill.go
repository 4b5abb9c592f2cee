package plan

import "fmt"

// Surge is a drill's synthetic surge: so many arrivals in each hour.
type Surge struct {
	ArrivalsPerHour []int `json:"arrivals_per_hour"` // one entry per hour
	Agents          int   `json:"agents"`
	CasesPerAgentHr int   `json:"cases_per_agent_hour"`
	LowRiskShareBP  int   `json:"low_risk_share_bp"` // of arrivals, low-risk and low-value (auto-approvable), basis points
	TargetHours     int   `json:"target_hours"`      // the handling target (SLA) without the plan
}

// Validate returns the surge's problems by field path.
func (s Surge) Validate() []FieldError {
	var errs []FieldError
	bad := func(f, zh, en string) { errs = append(errs, FieldError{Field: f, ZH: zh, Message: en}) }
	if len(s.ArrivalsPerHour) == 0 || len(s.ArrivalsPerHour) > 24*14 {
		bad("arrivals_per_hour", "1–336 小时", "between 1 and 336 hours")
	}
	for i, n := range s.ArrivalsPerHour {
		if n < 0 {
			bad(fmt.Sprintf("arrivals_per_hour[%d]", i), "不能为负", "not negative")
		}
	}
	if s.Agents < 0 {
		bad("agents", "不能为负", "not negative")
	}
	if s.CasesPerAgentHr < 0 {
		bad("cases_per_agent_hour", "不能为负", "not negative")
	}
	if s.LowRiskShareBP < 0 || s.LowRiskShareBP > 10000 {
		bad("low_risk_share_bp", "0–10000 基点", "between 0 and 10000")
	}
	if s.TargetHours < 1 {
		bad("target_hours", "至少 1 小时", "at least 1")
	}
	return errs
}

// HourRow is one hour of a drill.
type HourRow struct {
	Hour         int `json:"hour"`
	Arrivals     int `json:"arrivals"`
	AutoApproved int `json:"auto_approved"`
	Handled      int `json:"handled"`
	Queue        int `json:"queue"` // waiting at the end of the hour, with the plan
	QueueWithout int `json:"queue_without"`
}

// Report is what a drill found.
type Report struct {
	Arrivals          int       `json:"arrivals"`
	AutoApproved      int       `json:"auto_approved"`
	DeadlinesExtended int       `json:"deadlines_extended"` // cases whose deadlines the plan would extend
	ExtendWorkingDays int       `json:"extend_working_days"`
	PeakQueue         int       `json:"peak_queue"`
	PeakQueueWithout  int       `json:"peak_queue_without"`
	MaxWaitHours      int       `json:"max_wait_hours"`
	MaxWaitWithout    int       `json:"max_wait_hours_without"`
	TargetHours       int       `json:"target_hours"` // with the plan's SLA factor
	Breaches          int       `json:"breaches"`     // cases handled later than the target, with the plan
	BreachesWithout   int       `json:"breaches_without"`
	Holds             bool      `json:"holds"` // the queue drains by the end and no case breaches with the plan
	Hours             []HourRow `json:"hours"`
}

// Simulate replays a surge hour by hour, first come first served: each hour the agents
// handle up to agents × cases per agent-hour of the waiting cases; with the plan, the
// low-risk share of arrivals is approved at once (when the plan auto-approves) and the
// target is scaled by the SLA factor. After the surge the queue keeps draining (up to as
// many hours again) so that every case's wait is known. Auto-approved cases count as
// handled in their hour. Deterministic: shares round down per hour.
func Simulate(s Surge, e Effects) Report {
	capacity := s.Agents * s.CasesPerAgentHr
	target := s.TargetHours * e.SLAFactor() / 10000
	if target < 1 {
		target = 1
	}
	r := Report{TargetHours: target, ExtendWorkingDays: e.ExtendDeadlinesWD}
	with := &fifo{}
	without := &fifo{}
	hours := len(s.ArrivalsPerHour)
	limit := hours * 2
	if capacity > 0 {
		total := 0
		for _, n := range s.ArrivalsPerHour {
			total += n
		}
		if need := total/capacity + 1; need > limit {
			limit = need
		}
	}
	for h := 0; h < limit; h++ {
		arrivals := 0
		if h < hours {
			arrivals = s.ArrivalsPerHour[h]
		}
		auto := 0
		if e.AutoApprove != nil {
			auto = arrivals * s.LowRiskShareBP / 10000
		}
		r.Arrivals += arrivals
		r.AutoApproved += auto
		if e.ExtendDeadlinesWD > 0 {
			r.DeadlinesExtended += arrivals - auto
		}
		with.push(h, arrivals-auto)
		without.push(h, arrivals)
		handled := with.serve(h, capacity, target, &r.Breaches, &r.MaxWaitHours)
		without.serve(h, capacity, s.TargetHours, &r.BreachesWithout, &r.MaxWaitWithout)
		if q := with.len(); q > r.PeakQueue {
			r.PeakQueue = q
		}
		if q := without.len(); q > r.PeakQueueWithout {
			r.PeakQueueWithout = q
		}
		if h < hours || with.len() > 0 || without.len() > 0 {
			r.Hours = append(r.Hours, HourRow{Hour: h, Arrivals: arrivals, AutoApproved: auto,
				Handled: handled + auto, Queue: with.len(), QueueWithout: without.len()})
		}
	}
	// Cases never handled count as breaches waiting since they arrived.
	r.Breaches += with.len()
	r.BreachesWithout += without.len()
	r.Holds = with.len() == 0 && r.Breaches == 0
	return r
}

// fifo is a queue of cohorts: n cases that arrived in hour h.
type fifo struct{ cohorts []cohort }

type cohort struct{ hour, n int }

func (q *fifo) push(h, n int) {
	if n > 0 {
		q.cohorts = append(q.cohorts, cohort{h, n})
	}
}

func (q *fifo) len() int {
	n := 0
	for _, c := range q.cohorts {
		n += c.n
	}
	return n
}

// serve handles up to capacity cases in hour h (a case arriving in hour h and handled in
// it waits 1 hour), counting those that waited longer than target.
func (q *fifo) serve(h, capacity, target int, breaches, maxWait *int) int {
	done := 0
	for capacity > 0 && len(q.cohorts) > 0 {
		c := &q.cohorts[0]
		k := min(c.n, capacity)
		wait := h - c.hour + 1
		if wait > target {
			*breaches += k
		}
		if wait > *maxWait {
			*maxWait = wait
		}
		c.n -= k
		capacity -= k
		done += k
		if c.n == 0 {
			q.cohorts = q.cohorts[1:]
		}
	}
	return done
}
