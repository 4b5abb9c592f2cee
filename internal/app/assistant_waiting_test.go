package app

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Every deadline of the other side says what the case waits on in words the assistant can
// put after "waiting for" (a deadline's own label, "Merchant response", reads wrongly
// there); the customer's own deadlines are next steps, not waits.
func TestEveryMerchantDeadlineSaysWhatTheCaseWaitsFor(t *testing.T) {
	for _, k := range aftersale.DeadlineKinds() {
		w, ok := waitingFor[k]
		if strings.HasPrefix(string(k), "customer_") {
			if ok {
				t.Errorf("%s is the customer's step, yet has a waiting phrase", k)
			}
			continue
		}
		if !ok || w.ZH == "" || !strings.HasPrefix(w.EN, "the ") {
			t.Errorf("%s: waiting phrase %+v, want one in both languages", k, w)
		}
	}
}
