package httpapi_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// webhookPageRequest is the request of a cell of the webhook and password-reset
// pages' rows (false for another row).
func (aw *accessWorld) webhookPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	return apitest.Request{}, false
}
