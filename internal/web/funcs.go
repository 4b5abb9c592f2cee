package web

import (
	"fmt"
	"html/template"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/money"
)

// funcs are what templates may call. Every string a template shows comes from t (the
// catalogue), from text (a bilingual value of the core, such as a state's label) or from
// the data itself.
func (pg *Pages) funcs() template.FuncMap {
	return template.FuncMap{
		// t is the catalogue's message key in l, formatted with args.
		"t": func(l Lang, key string, args ...any) (string, error) { return pg.cat.Message(l, key, args...) },
		// text is a bilingual value in l.
		"text": func(l Lang, t aftersale.Text) string { return l.Pick(t) },
		// label is the core's own name of a type, reason, state, action or deadline.
		"label": label,
		"money": func(l Lang, minor int64, cur money.Currency) string {
			return FormatMoney(l, minor, cur)
		},
		"time": func(l Lang, t time.Time) string { return FormatTime(l, t, pg.loc) },
		"date": func(l Lang, t time.Time) string { return FormatDate(l, t, pg.loc) },
		// iso is t for a <time datetime> attribute and the scripts.
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// left is how long until due (or since, once overdue), with its message.
		"left":    func(l Lang, due time.Time) Countdown { return pg.countdown(l, due) },
		"seconds": func(s int64) time.Duration { return time.Duration(s) * time.Second },
		"span":    func(l Lang, d time.Duration) string { return FormatSpan(l, d) },
		"add":     func(a, b int) int { return a + b },
		"dict":    dict,
		"list":    func(s ...string) []string { return s },
		// has reports whether the actions include a.
		"has": func(as []aftersale.Action, a string) bool { return slices.Contains(as, aftersale.Action(a)) },
	}
}

// label is the core's bilingual name of a value of the life cycle, of a dispute or of a
// complaint: reasons are extensible by admins, so their names cannot live in the catalogue,
// and the cores name their own states, actions and outcomes.
func label(v any) (aftersale.Text, error) {
	switch x := v.(type) {
	case dispute.State:
		return x.Label(), nil
	case dispute.Category:
		return x.Label(), nil
	case dispute.Action:
		return x.Label(), nil
	case dispute.Outcome:
		return x.Label(), nil
	case dispute.Liability:
		return x.Label(), nil
	case dispute.Party:
		return x.Label(), nil
	case complaint.State:
		return x.Label(), nil
	case complaint.Action:
		return x.Label(), nil
	case complaint.About:
		return x.Label(), nil
	case aftersale.Type:
		return x.Label(), nil
	case aftersale.Reason:
		return x.Info().Label, nil
	case aftersale.State:
		return x.Label(), nil
	case aftersale.Action:
		return x.Label(), nil
	case aftersale.DeadlineKind:
		return x.Label(), nil
	}
	return aftersale.Text{}, fmt.Errorf("label: no label for %T", v)
}

// Countdown is a deadline as a page shows it: the time left or overdue, in words, and
// whether it has passed. The page's script keeps the words current.
type Countdown struct {
	Due     time.Time
	Words   string
	Overdue bool
	Soon    bool // less than a day left
}

func (pg *Pages) countdown(l Lang, due time.Time) Countdown {
	d := due.Sub(pg.now())
	c := Countdown{Due: due, Overdue: d < 0, Soon: d >= 0 && d < 24*time.Hour}
	key := "countdown.left"
	if c.Overdue {
		key = "countdown.overdue"
	}
	c.Words, _ = pg.cat.Message(l, key, FormatSpan(l, d))
	return c
}

// dict makes a map of key-value pairs, to hand a partial several values.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
