package web

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/analytics"
)

// Merchant scorecards (/scorecards, 商家评分): a month's score and tier of each merchant
// with the figures behind them, by the scorecard rules; a merchant's staff see their own.

// ScorecardsData is the scorecards page's data.
type ScorecardsData struct {
	Month string
	// Measures are the rules' measures, named in the page's language.
	Measures []ScoreMeasure
	// Columns is how many columns the table has.
	Columns int
	Cards   []ScoreCardRow
	// Provisional: the month is in progress, its scores may change.
	Provisional bool
	Problem     string
	Errors      map[string]string
	// Rules are the scorecard rules in force, with their editor for admins.
	Rules *ScoreRules
}

// ScoreMeasure is a measure of the rules as a column of the table.
type ScoreMeasure struct {
	Code, Title string
}

// ScoreCardRow is a merchant's scorecard, formatted.
type ScoreCardRow struct {
	Merchant, Score, Tier, TierCode string
	Cases                           int64
	Figures                         []ScoreFigure
}

// ScoreFigure is a measure's value, the points it earned and its weight.
type ScoreFigure struct {
	Value, Points, Weight string
	// None: the month had nothing to measure (its weight went to the others).
	None bool
}

// shareMeasures are the measures that are shares (0–1).
var shareMeasures = map[string]bool{analytics.MeasureApproval: true, analytics.MeasureDisputeLoss: true, analytics.MeasureReturnRate: true}

// Scorecards shows a month's scorecards (last month by default); a month the application
// refuses is said next to the field.
func (pg *Pages) Scorecards(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, status, err := pg.scorecardsData(r, v, r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	pg.renderScorecards(w, r, v, status, d)
	return nil
}

// scorecardsData reads a month's scorecards and the rules in force.
func (pg *Pages) scorecardsData(r *http.Request, v *Visit, month string) (*ScorecardsData, int, error) {
	d := &ScorecardsData{Month: month, Errors: map[string]string{}}
	status := http.StatusOK
	views, rules, err := pg.app.Scorecards(r.Context(), v.Principal, month)
	if err != nil {
		problem := &FormProblem{Fields: map[string]string{}}
		if !pg.formProblem(v.Lang, err, problem) {
			return nil, 0, err
		}
		d.Problem, d.Errors, status = problem.Message, problem.Fields, problemStatus(err)
	}
	if d.Month == "" {
		d.Month = analytics.PreviousMonth(pg.now())
	}
	current, _, _ := analytics.Month(pg.now())
	d.Provisional = d.Month >= current
	l := string(v.Lang)
	for _, m := range rules.Measures {
		d.Measures = append(d.Measures, ScoreMeasure{Code: m.Code, Title: analytics.MeasureTitle(m.Code).In(l)})
	}
	d.Columns = 4 + 3*len(d.Measures)
	for _, sv := range views {
		row := ScoreCardRow{Merchant: sv.Merchant, Score: strconv.FormatFloat(sv.Score, 'f', 1, 64), TierCode: sv.Tier, Cases: sv.Cases}
		if sv.TierName != nil {
			row.Tier = v.Lang.Pick(*sv.TierName)
		}
		byCode := map[string]analytics.Figure{}
		for _, f := range sv.Figures {
			byCode[f.Code] = f
		}
		for _, m := range d.Measures {
			f, ok := byCode[m.Code]
			sf := ScoreFigure{None: !ok || f.Value == nil, Points: formatFigure(f.Points, false), Weight: formatFigure(f.Weight, false)}
			if !sf.None {
				sf.Value = formatFigure(*f.Value, shareMeasures[m.Code])
			}
			row.Figures = append(row.Figures, sf)
		}
		d.Cards = append(d.Cards, row)
	}
	if d.Rules, err = pg.scoreRules(r, v); err != nil {
		return nil, 0, err
	}
	return d, status, nil
}

func (pg *Pages) renderScorecards(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ScorecardsData) {
	p := pg.page(r, v, "analytics.scorecards.title")
	p.Data = d
	pg.render(w, r, status, "scorecards", p)
}
