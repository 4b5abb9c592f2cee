package assistant

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// HeldOut is the held-out question set (testdata/heldout.tsv), for the eval command.
//
//go:embed testdata/heldout.tsv
var HeldOut []byte

// Question is one labelled question of an evaluation set: what it asks and the fact its
// answer must contain ("" when any answer of the right intent will do).
type Question struct {
	Intent Intent
	Fact   string
	Text   string
}

// ParseQuestions reads a TSV of intent, fact ("-" for none) and question; lines that
// start with # are comments.
func ParseQuestions(r io.Reader) ([]Question, error) {
	var out []Question
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || !Intent(f[0]).Valid() {
			return nil, fmt.Errorf("line %d: want intent<TAB>fact<TAB>question", n)
		}
		q := Question{Intent: Intent(f[0]), Fact: f[1], Text: f[2]}
		if q.Fact == "-" {
			q.Fact = ""
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// FixtureNow is the evaluation's clock.
var FixtureNow = time.Date(2026, 12, 6, 10, 0, 0, 0, cst)

// FixtureCase is the evaluation customer's one open case: a return approved, the parcel
// delivered to the merchant, the refund of ¥59.00 not yet paid, the merchant to confirm
// receipt — and, as the customer's step, the return to ship by 8 December 18:00 (the
// fixture is a case in the middle of its life, so every question has a fact to state).
func FixtureCase() CaseFacts {
	return CaseFacts{
		ID: "c1", Number: "AS261201000001", OrderNo: "SO20261128001",
		State: Label{"待寄回", "awaiting return"}, Open: true,
		Refund: money.Yuan(5900), Refunded: money.Yuan(0),
		Parcel: &ParcelFacts{Return: true, Carrier: "SF", TrackingNo: "SF1234567890",
			Status: Label{"已签收", "delivered"}, At: FixtureNow.Add(-3 * time.Hour), Location: "上海"},
		Next:    &StepFacts{What: Label{"寄回商品并填写单号", "ship the goods back and enter the tracking number"}, DueAt: time.Date(2026, 12, 8, 18, 0, 0, 0, cst)},
		Waiting: Label{"商家确认收货", "the merchant to confirm receipt"},
	}
}

// LangOf guesses the language of a question: any Han character makes it Chinese.
func LangOf(text string) Lang {
	for _, r := range text {
		if r >= 0x4e00 && r <= 0x9fff {
			return ZH
		}
	}
	return EN
}

// Score is the result of an evaluation.
type Score struct {
	Right, Total int
	Misses       []Miss
}

// Miss is a question answered wrong.
type Miss struct {
	Question
	Got    Intent
	Answer string
}

// Share is the fraction answered right.
func (s Score) Share() float64 {
	if s.Total == 0 {
		return 0
	}
	return float64(s.Right) / float64(s.Total)
}

// Evaluate answers each question for the fixture customer and counts those whose intent
// is right and whose answer states the expected fact.
func Evaluate(qs []Question) Score {
	c := FixtureCase()
	var s Score
	for _, q := range qs {
		s.Total++
		r := Recognize(q.Text)
		ans := Answer(r.Intent, &c, LangOf(q.Text), FixtureNow)
		if r.Intent == q.Intent && strings.Contains(ans, q.Fact) {
			s.Right++
			continue
		}
		s.Misses = append(s.Misses, Miss{Question: q, Got: r.Intent, Answer: ans})
	}
	return s
}
