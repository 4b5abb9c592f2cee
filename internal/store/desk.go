package store

import (
	"context"
	"time"
)

// Desk is the part of a transaction that keeps the service desk's own records: the
// assignment rules and their round robin, canned replies (话术), knowledge-base articles
// and their search index, satisfaction surveys (满意度), quality reviews (质检), and the
// inbound email already taken in. Who owns a case is in the case itself
// (aftersale.Case.Assignee and Group, kept in the case's row for the queue); a
// complaint's owner likewise (complaint.Complaint.Owner and Group).
type Desk interface {
	// DeskRules returns the stored assignment rules (desk.Rules as JSON) and their
	// version. ErrNotFound when none were saved.
	DeskRules(ctx context.Context) (body []byte, version int, err error)
	// SaveDeskRules stores the rules as version: ErrConflict unless the stored version is
	// version-1 (none stored counts as 0).
	SaveDeskRules(ctx context.Context, body []byte, version int) error
	// DeskCursor returns the member a group's round robin gave work to last ("" none).
	DeskCursor(ctx context.Context, group string) (string, error)
	// SetDeskCursor records the member a group's round robin gave work to last.
	SetDeskCursor(ctx context.Context, group, member string) error
	// OpenLoad counts the open work each of these staff usernames owns: cases whose
	// assignee it is and whose state is not among closedCases, and complaints whose
	// owner it is and whose state is not among closedComplaints. Usernames with none are
	// absent from the map; "" (nobody) is never counted.
	OpenLoad(ctx context.Context, users []string, closedCases, closedComplaints []string) (map[string]int, error)

	// InsertReply stores a canned reply (Version 1). ErrConflict when its id exists.
	InsertReply(ctx context.Context, r *CannedReply) error
	// UpdateReply stores r if the stored version is r.Version-1: ErrConflict otherwise,
	// ErrNotFound for an unknown id.
	UpdateReply(ctx context.Context, r *CannedReply) error
	// DeleteReply removes a canned reply. ErrNotFound.
	DeleteReply(ctx context.Context, id string) error
	// Reply returns a canned reply. ErrNotFound.
	Reply(ctx context.Context, id string) (CannedReply, error)
	// ListReplies returns the platform's replies and, when q.Merchant is set, that
	// merchant's, ordered by title (zh), then id; Scope narrows to "platform" or
	// "merchant"; Query keeps those whose title or body (either language) contains it,
	// ignoring case (of ASCII letters at least) and taking % and _ literally.
	ListReplies(ctx context.Context, q ReplyQuery) ([]CannedReply, error)

	// InsertArticle stores a knowledge-base article (Version 1). ErrConflict when its id
	// exists.
	InsertArticle(ctx context.Context, a *Article) error
	// UpdateArticle stores a if the stored version is a.Version-1: ErrConflict otherwise,
	// ErrNotFound for an unknown id.
	UpdateArticle(ctx context.Context, a *Article) error
	// DeleteArticle removes an article and its search terms. ErrNotFound.
	DeleteArticle(ctx context.Context, id string) error
	// Article returns an article. ErrNotFound.
	Article(ctx context.Context, id string) (Article, error)
	// ListArticles returns one page of articles, most recently updated first (updated_at,
	// then id, descending), and the next page's cursor. ErrBadCursor.
	ListArticles(ctx context.Context, q ArticleQuery) ([]Article, string, error)
	// SetArticleTerms replaces an article's search terms: each term's weighted count in
	// it, and the article's length in terms. ErrNotFound for an unknown article.
	SetArticleTerms(ctx context.Context, id string, terms map[string]int, length int) error
	// ArticleTermHits returns, for every article q selects (Status, Language, Category;
	// no paging) that holds at least one of terms, a row per term it holds.
	ArticleTermHits(ctx context.Context, terms []string, q ArticleQuery) ([]TermHit, error)
	// ArticleStats counts the articles q selects and their average length in terms.
	ArticleStats(ctx context.Context, q ArticleQuery) (count int, avgLength float64, err error)

	// InsertSurvey stores a case's survey. ErrConflict when the case has one, ErrNotFound
	// when there is no such case.
	InsertSurvey(ctx context.Context, s Survey) error
	// Survey returns a case's survey. ErrNotFound.
	Survey(ctx context.Context, caseID string) (Survey, error)
	// ListSurveys returns one page of surveys, newest first (at, then case id,
	// descending), and the next page's cursor. ErrBadCursor.
	ListSurveys(ctx context.Context, q SurveyQuery) ([]Survey, string, error)

	// InsertReview stores a quality review (Version 1). ErrConflict when its id exists or
	// the case already has a review, ErrNotFound when there is no such case.
	InsertReview(ctx context.Context, r *Review) error
	// UpdateReview stores r if the stored version is r.Version-1: ErrConflict otherwise,
	// ErrNotFound for an unknown id.
	UpdateReview(ctx context.Context, r *Review) error
	// Review returns a review. ErrNotFound.
	Review(ctx context.Context, id string) (Review, error)
	// ListReviews returns one page of reviews, newest first (created_at, then id,
	// descending), and the next page's cursor. ErrBadCursor.
	ListReviews(ctx context.Context, q ReviewQuery) ([]Review, string, error)
	// ReviewCandidates lists up to q.Limit cases in one of q.States (the closed ones:
	// completed and closed, the only ones its index holds) last updated in [q.From, q.To),
	// with an assignee, that have no review, newest first (updated_at, then id,
	// descending). No States: none.
	ReviewCandidates(ctx context.Context, q CandidateQuery) ([]ReviewCandidate, error)

	// InsertInboundEmail records an inbound email's Message-ID. ErrConflict when it was
	// taken in before.
	InsertInboundEmail(ctx context.Context, m InboundEmail) error
}

// CannedReply is a reply agents send with a keystroke (话术): a title and a body in both
// languages, with variables ({{rma}} …) filled per case.
type CannedReply struct {
	ID       string
	Scope    string // platform | merchant (the store refuses others)
	Merchant string // for scope merchant, which needs one
	Title    Text
	Body     Text
	Shortcut string // typed after "/" on the case page, e.g. "refund-done"
	Version  int
	// CreatedBy is who wrote it (a username or a principal id).
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ReplyQuery selects canned replies.
type ReplyQuery struct {
	Merchant string // also this merchant's replies; "" the platform's only (unless AllMerchants)
	// AllMerchants lists every merchant's replies too (platform staff with no scope).
	AllMerchants bool
	Scope        string // platform | merchant | "" both
	Query        string
}

// Article is a knowledge-base article.
type Article struct {
	ID       string
	Title    string
	Body     string // plain text with blank lines between paragraphs
	Language string // zh-CN | en
	Status   string // draft | published
	Category string // e.g. an after-sales reason, "refund", "logistics"
	Tags     []string
	Version  int
	// Author is who wrote it last (a username or principal id).
	Author    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ArticleQuery selects articles. Zero fields select everything.
type ArticleQuery struct {
	Status   string
	Language string
	Category string
	Cursor   string
	Limit    int // default 50, at most 500
}

// TermHit is one article holding one search term.
type TermHit struct {
	ArticleID string
	Term      string
	Count     int // the term's weighted count in the article
	Length    int // the article's length in terms
}

// Survey is a customer's rating of a completed case.
type Survey struct {
	CaseID   string
	Number   string // the case's RMA number
	Merchant string
	Customer string
	Category string // the case's first line's product category
	Agent    string // the case's assignee when it was rated ("" none)
	Attitude int
	Speed    int
	Result   int
	Comment  string
	At       time.Time
}

// SurveyQuery selects surveys. Zero fields select everything.
type SurveyQuery struct {
	Merchant  string
	Merchants []string // any of these (a scoped agent); nil: no restriction; empty: none
	Agent     string
	Low       bool // any score of 2 or less
	From, To  time.Time
	Cursor    string
	Limit     int // default 50, at most 500
}

// Review is a quality review of a closed case (质检).
type Review struct {
	ID         string
	CaseID     string
	CaseNumber string
	Merchant   string
	Agent      string // the case's assignee, whose work is reviewed
	Rule       string // how it was sampled: random | low_csat | complaint | long_handling | manual
	State      string // pending | done
	Reviewer   string // who sampled it, then who scored it
	Scores     map[string]int
	Total      float64 // 0–100
	Comment    string
	Version    int
	CreatedAt  time.Time
	DoneAt     time.Time // zero while pending
}

// ReviewQuery selects reviews. Zero fields select everything.
type ReviewQuery struct {
	Agent     string
	State     string
	Merchants []string // any of these (a scoped supervisor); nil: no restriction; empty: none
	Cursor    string
	Limit     int // default 50, at most 500
}

// CandidateQuery selects closed cases for the quality review's sampling.
type CandidateQuery struct {
	States    []string
	Merchants []string  // nil: all; empty: none
	From, To  time.Time // zero: unbounded
	Limit     int       // at most 5000; 0: 5000
}

// ReviewCandidate is a closed case that may be reviewed.
type ReviewCandidate struct {
	CaseID    string
	Number    string
	Merchant  string
	Assignee  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InboundEmail is an email taken in by the inbound endpoint.
type InboundEmail struct {
	MessageID string
	From      string
	Subject   string
	CaseID    string // the case it was threaded to ("" none)
	Complaint string // the complaint it filed or joined ("" none)
	At        time.Time
}
