package httpapi_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// logisticsPageRequest is the request of a cell of the parcel, task and notification
// pages' rows (false for another row).
func (aw *accessWorld) logisticsPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	return apitest.Request{}, false
}
