package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's smart triage (issue 16): a suggestion for a text, which any
// signed-in principal may ask for (customers included); it reads no one's records.
func init() { insertAccessRows("homePage", triageAccess...) }

var triageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "triage", want: map[string]string{"*": "200", "anonymous": "401"}},
}

// triageRequest is the request of a cell of the triage rows (false for another row).
func (aw *accessWorld) triageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	if op != "triage" {
		return apitest.Request{}, false
	}
	return p.as(apitest.Request{Method: http.MethodPost, Path: "/api/v1/triage", JSON: map[string]string{"text": "屏幕碎了，快递压坏的"}}), true
}
