package web

import (
	"crypto/rand"
	"slices"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/importer"
)

// importJobs are the order imports started from the admin pages on this replica. They
// live in this process's memory only: a job's page and progress answer on the replica
// that runs it (behind a load balancer without session affinity, another replica answers
// 404 for it), and a restart forgets them — the orders already stored stay stored, and
// importing the file again updates them. Each job is its starter's: another admin's job
// is not found.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

// jobsKept is how many jobs an admin's list keeps; jobsKeptFor how long a finished job
// stays.
const (
	jobsKept    = 20
	jobsKeptFor = 24 * time.Hour
)

func newImportJobs() *importJobs { return &importJobs{jobs: map[string]*importJob{}} }

// importJob is one import, updated by its goroutine and read by the pages.
type importJob struct {
	id, owner, key string
	file, merchant string
	started        time.Time

	mu       sync.Mutex
	progress importer.Progress
	finished time.Time
	summary  importer.Summary
	failure  string
}

// ImportView is a job as its page shows it.
type ImportView struct {
	ID, File, Merchant string
	Started            time.Time
	Progress           importer.Progress
	Finished           bool
	Summary            importer.Summary
	// Failure is why the import stopped before the file's end (the store failed).
	Failure string
}

// ImportProgress is how far a job has come, for the page's script: the part of the file
// read as done of total (total 0: unknown), the rows read, and whether it is finished.
type ImportProgress struct {
	Done     int  `json:"done"`
	Total    int  `json:"total"`
	Rows     int  `json:"rows"`
	Finished bool `json:"finished"`
}

// add registers a new job of owner, or returns the job that owner started with the same
// form key (a form sent twice starts one import).
func (js *importJobs) add(owner, key, file, merchant string, now time.Time) (j *importJob, fresh bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.prune(owner, now)
	for _, j := range js.jobs {
		if key != "" && j.owner == owner && j.key == key {
			return j, false
		}
	}
	j = &importJob{id: rand.Text(), owner: owner, key: key, file: file, merchant: merchant, started: now}
	j.progress.Fraction = -1
	js.jobs[j.id] = j
	return j, true
}

// prune forgets finished jobs older than jobsKeptFor, and owner's oldest finished jobs
// beyond jobsKept.
func (js *importJobs) prune(owner string, now time.Time) {
	var mine []*importJob
	for id, j := range js.jobs {
		v := j.view()
		if v.Finished && now.Sub(j.ended()) > jobsKeptFor {
			delete(js.jobs, id)
			continue
		}
		if j.owner == owner && v.Finished {
			mine = append(mine, j)
		}
	}
	slices.SortFunc(mine, func(a, b *importJob) int { return b.started.Compare(a.started) })
	for _, j := range mine[min(len(mine), jobsKept-1):] {
		delete(js.jobs, j.id)
	}
}

// get is owner's job id; false for no such job, or another's.
func (js *importJobs) get(owner, id string) (*importJob, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok || j.owner != owner {
		return nil, false
	}
	return j, true
}

// list is owner's jobs, newest first.
func (js *importJobs) list(owner string) []ImportView {
	js.mu.Lock()
	var mine []*importJob
	for _, j := range js.jobs {
		if j.owner == owner {
			mine = append(mine, j)
		}
	}
	js.mu.Unlock()
	slices.SortFunc(mine, func(a, b *importJob) int { return b.started.Compare(a.started) })
	out := make([]ImportView, len(mine))
	for i, j := range mine {
		out[i] = j.view()
	}
	return out
}

func (j *importJob) report(p importer.Progress) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.progress = p
}

// finish records the outcome.
func (j *importJob) finish(s importer.Summary, err error, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.summary, j.finished = s, now
	if err != nil {
		j.failure = err.Error()
	}
	j.progress.Rows, j.progress.Orders, j.progress.Skipped, j.progress.Done = s.Rows, s.Orders, s.SkippedOrders, true
	if err == nil && j.progress.Fraction >= 0 {
		j.progress.Fraction = 1
	}
}

func (j *importJob) ended() time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.finished
}

func (j *importJob) view() ImportView {
	j.mu.Lock()
	defer j.mu.Unlock()
	return ImportView{ID: j.id, File: j.file, Merchant: j.merchant, Started: j.started, Progress: j.progress,
		Finished: !j.finished.IsZero(), Summary: j.summary, Failure: j.failure}
}

// AllImported reports whether every row of the file was imported.
func (v ImportView) AllImported() bool { return v.Failure == "" && v.Summary.SkippedOrders == 0 }

// Percent is the part of the file read, 0–100, or -1 when unknown.
func (v ImportView) Percent() int {
	if v.Progress.Fraction < 0 {
		return -1
	}
	return int(v.Progress.Fraction * 100)
}

// progress is the job's progress for the script.
func (v ImportView) progressJSON() ImportProgress {
	p := ImportProgress{Rows: v.Progress.Rows, Finished: v.Finished}
	if pc := v.Percent(); pc >= 0 {
		p.Done, p.Total = pc, 100
	}
	return p
}
