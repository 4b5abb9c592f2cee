package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's assistant (智能客服, issue 16): customers ask; staff, merchants,
// integrations may not. What a customer may learn through it is their own cases only
// (assistant_test.go: another customer's RMA number reveals nothing).
func init() { insertAccessRows("homePage", assistantAccess...) }

var assistantAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "askAssistant", want: map[string]string{"*": "403", "anonymous": "401", "customer": "200", "customer@shop-a": "200"}},
	// The chat box's page and form: the customer's session; staff sessions may not.
	{op: "assistantPage", want: map[string]string{"*": "303", "customer@shop-a": "200", "merchant (session)": "403", "agent@shop-a (session)": "403"}},
	{op: "assistantForm", want: map[string]string{"*": "303", "customer@shop-a": "200", "merchant (session)": "403", "agent@shop-a (session)": "403"}},
}

// assistantRequest is the request of a cell of the assistant's rows (false for another row).
func (aw *accessWorld) assistantRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	switch op {
	case "askAssistant":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/assistant/messages", JSON: app.AssistantInput{Text: "where is my refund"}}), true
	case "assistantPage":
		return p.as(apitest.Request{Method: http.MethodGet, Path: "/assistant"}), true
	case "assistantForm":
		return p.as(apitest.Request{Method: http.MethodPost, Path: "/assistant", Form: p.form(url.Values{"text": {"我的退款到哪了"}})}), true
	}
	return apitest.Request{}, false
}
