package httpapi_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// logisticsRequest is the request of a cell of the parcel, task, notification and webhook
// API rows (false for another row).
func (aw *accessWorld) logisticsRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	return apitest.Request{}, false
}
