package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
)

// A request whose client went away while it ran is answered 499 and not logged as an
// internal error; the same error on a request still open is one.
func TestClientGoneIsNotAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	s := New(app.New(app.Config{}), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := fmt.Errorf("open case: %w", context.Canceled)

	w := httptest.NewRecorder()
	s.writeError(w, httptest.NewRequest("POST", "/api/v1/cases", nil).WithContext(ctx), err)
	if w.Code != StatusClientClosedRequest || strings.Contains(logs.String(), "internal error") {
		t.Errorf("client gone: status %d, log %q; want 499 and no internal error", w.Code, logs.String())
	}

	w = httptest.NewRecorder()
	s.writeError(w, httptest.NewRequest("POST", "/api/v1/cases", nil), errors.Join(errors.New("db"), err))
	if w.Code != 500 || !strings.Contains(logs.String(), "internal error") {
		t.Errorf("client still there: status %d, log %q; want 500, logged", w.Code, logs.String())
	}
}
