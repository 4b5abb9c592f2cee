package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
)

// The scorecard rules on /scorecards: every reader of the scorecards sees the rules in
// force (each measure's weight, best and worst value; the tiers and their minimum score);
// admins edit them there as JSON, as PUT /api/v1/scorecards/rules takes them, at the
// version they read. A problem is said next to the JSON with the path of the field.

// ScoreRules is the rules' section of the scorecards page.
type ScoreRules struct {
	Version  int
	Measures []ScoreRuleMeasure
	Tiers    []ScoreRuleTier
	MinCases int64
	// Edit: the visitor may change the rules (admins); JSON is the textarea's text.
	Edit bool
	JSON string
	// Error is the problem at the JSON (with the field's path); Message the form's.
	Error, Message string
}

// ScoreRuleMeasure is a measure of the rules, formatted.
type ScoreRuleMeasure struct {
	Code, Title, Weight, Best, Worst string
}

// ScoreRuleTier is a tier of the rules.
type ScoreRuleTier struct {
	Code, Name, Min string
}

// scoreRules reads the rules in force as the page shows them.
func (pg *Pages) scoreRules(r *http.Request, v *Visit) (*ScoreRules, error) {
	rv, err := pg.app.GetScorecardRules(r.Context(), v.Principal)
	if err != nil {
		return nil, err
	}
	l := string(v.Lang)
	sr := &ScoreRules{Version: rv.Version, MinCases: rv.Rules.MinCases, Edit: v.Principal.Role == app.RoleAdmin}
	for _, m := range rv.Rules.Measures {
		share := shareMeasures[m.Code]
		sr.Measures = append(sr.Measures, ScoreRuleMeasure{Code: m.Code, Title: analytics.MeasureTitle(m.Code).In(l),
			Weight: formatFigure(m.Weight, false), Best: formatFigure(m.Best, share), Worst: formatFigure(m.Worst, share)})
	}
	for _, t := range rv.Rules.Tiers {
		name := t.Zh
		if v.Lang == EN {
			name = t.En
		}
		sr.Tiers = append(sr.Tiers, ScoreRuleTier{Code: t.Code, Name: name, Min: formatFigure(t.Min, false)})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rv.Rules); err != nil {
		return nil, err
	}
	sr.JSON = buf.String()
	return sr, nil
}

// SaveScorecardRulesForm replaces the scorecard rules with the JSON of the field rules at
// the version of the field version, and goes back to the scorecards, which say so. JSON
// that does not read, a field the rules refuse (its path, such as tiers[1].min) or rules
// changed since they were read is said next to the JSON, the page shown again.
func (pg *Pages) SaveScorecardRulesForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	src := r.PostForm.Get("rules")
	in := app.ScorecardRulesInput{}
	var fieldErr string
	version, verr := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("version")))
	in.Version = version
	dec := json.NewDecoder(strings.NewReader(src))
	dec.DisallowUnknownFields()
	switch {
	case verr != nil || version < 0:
		fieldErr = "version: " + pg.say(v.Lang, "scorecard_rules.bad_version")
	case len(src) > maxRulesJSON:
		fieldErr = pg.say(v.Lang, "scorecard_rules.too_long")
	default:
		if derr := dec.Decode(&in.Rules); derr != nil {
			fieldErr = pg.say(v.Lang, "scorecard_rules.bad_json", derr.Error())
		}
	}
	var err error
	if fieldErr != "" {
		// The application decides who may change the rules: rules that cannot be checked
		// ask it with none, so that someone who may not is refused (403) as with any.
		if _, aerr := pg.app.SaveScorecardRules(r.Context(), v.Principal, app.ScorecardRulesInput{}); app.ErrorCode(aerr) != app.CodeInvalid {
			if aerr == nil {
				aerr = errors.New("empty scorecard rules were accepted")
			}
			return aerr
		}
	} else if _, err = pg.app.SaveScorecardRules(r.Context(), v.Principal, in); err == nil {
		seeOther(w, "/scorecards?done=scorecard_rules&lang="+string(v.Lang)+"#rules")
		return nil
	}
	message := pg.say(v.Lang, "form.check_fields")
	status := http.StatusUnprocessableEntity
	if err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) {
			return err
		}
		switch ae.Code {
		case app.CodeInvalid, app.CodeConflict:
		default:
			return err
		}
		status, message = problemStatus(err), v.Lang.Pick(ae.Message)
		var parts []string
		for _, fe := range ae.Fields {
			parts = append(parts, fe.Field+": "+v.Lang.Pick(fe.Message))
		}
		fieldErr = strings.Join(parts, " ")
		if fieldErr == "" {
			fieldErr = message
		}
	}
	d, _, derr := pg.scorecardsData(r, v, "")
	if derr != nil {
		return derr
	}
	d.Rules.JSON, d.Rules.Version, d.Rules.Error, d.Rules.Message = src, version, fieldErr, message
	pg.renderScorecards(w, r, v, status, d)
	return nil
}
