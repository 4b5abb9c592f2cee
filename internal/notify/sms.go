package notify

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// SMSSender sends a text message to a phone.
type SMSSender interface {
	SendSMS(ctx context.Context, phone, text string) error
}

// LogSMS is the default SMSSender when no gateway is configured: it logs each message,
// with the phone number masked to its last four digits.
type LogSMS struct {
	Logger *slog.Logger // nil: slog.Default()
}

// SendSMS logs the message.
func (l LogSMS) SendSMS(ctx context.Context, phone, text string) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.DebugContext(ctx, "sms (no provider: logged)", "phone", MaskPhone(phone), "text", text)
	return nil
}

// MaskPhone hides a phone number but its last four digits: "+86 138 0013 8000" → "*******8000".
func MaskPhone(phone string) string {
	var digits []byte
	for i := 0; i < len(phone); i++ {
		if '0' <= phone[i] && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	if len(digits) <= 4 {
		return strings.Repeat("*", len(digits))
	}
	return strings.Repeat("*", len(digits)-4) + string(digits[len(digits)-4:])
}

// SMS is a text message RecordingSMS kept.
type SMS struct{ Phone, Text string }

// RecordingSMS keeps the messages it is asked to send, for tests. Err, when set before use,
// is returned by every SendSMS (the message is not kept). Safe for concurrent use.
type RecordingSMS struct {
	Err  error
	mu   sync.Mutex
	sent []SMS
}

// SendSMS keeps the message.
func (r *RecordingSMS) SendSMS(_ context.Context, phone, text string) error {
	if r.Err != nil {
		return r.Err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, SMS{phone, text})
	return nil
}

// Sent are the messages sent so far, oldest first.
func (r *RecordingSMS) Sent() []SMS {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]SMS(nil), r.sent...)
}
