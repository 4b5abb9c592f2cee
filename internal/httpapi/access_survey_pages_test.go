package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's rating form on the case page: the rows go with the other pages',
// before the home page. Only the customer rates; someone else's case is not found before
// the role is asked (as caseRetryPaymentForm).
func init() { insertAccessRows("homePage", surveyPageAccess...) }

var surveyPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "caseSurveyForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "303 404 404", "merchant (session)": "403 404 403", "agent@shop-a (session)": "403 404 403"}},
}

// surveyPageRequest is the request of a cell of the rating's row (false for another row):
// with a session, on a new case of the target that its customer cancelled (closed: it may
// be rated); without, on the target's case (the login page before anything is read).
func (aw *accessWorld) surveyPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	if op != "caseSurveyForm" {
		return apitest.Request{}, false
	}
	id := aw.cases[tg].ID
	if p.session != nil {
		c := aw.freshCase(t, tg)
		aw.mustAct(t, aw.customerToken(tg), c.ID, app.ActInput{Action: aftersale.Cancel, Version: c.Version})
		id = c.ID
	}
	return p.as(apitest.Request{Method: http.MethodPost, Path: "/cases/" + id + "/survey",
		Form: p.form(url.Values{"attitude": {"5"}, "speed": {"4"}, "result": {"5"}})}), true
}
