package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestLogSMSMasksThePhone(t *testing.T) {
	var buf bytes.Buffer
	s := LogSMS{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if err := s.SendSMS(context.Background(), "+86 138-0013-8000", "【售后服务平台】售后单 RMA-1 已同意"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "13800138000") || strings.Contains(out, "138-0013") || !strings.Contains(out, "*********8000") ||
		!strings.Contains(out, "售后单 RMA-1 已同意") {
		t.Errorf("log: %s", out)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"13800138000": "*******8000", "+1 (555) 010-9999": "*******9999", "123": "***", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecordingSMSIsSafeForConcurrentUse(t *testing.T) {
	var r RecordingSMS
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { _ = r.SendSMS(context.Background(), strconv.Itoa(i), "hi") })
	}
	wg.Wait()
	if got := r.Sent(); len(got) != 50 || got[0].Text != "hi" {
		t.Errorf("%d sent", len(got))
	}
	var _ SMSSender = &r
	var _ SMSSender = LogSMS{}
	var _ Mailer = &SMTPMailer{}
	var _ Mailer = &RecordingMailer{}
}
