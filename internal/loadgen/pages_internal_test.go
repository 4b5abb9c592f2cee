package loadgen

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The server's request log is read as log/slog's text handler writes it (httpapi's
// middleware): the duration of each of pagebench's requests, found by its id.
func TestReadDurationsOfTheRequestLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(f, nil))
	for id, d := range map[string]time.Duration{"pbx-1": 12345 * time.Microsecond, "pbx-2": 2 * time.Second, "other-3": time.Millisecond} {
		log.Info("http request", slog.String("method", "GET"), slog.String("route", "/queue"), slog.Int("status", 200),
			slog.Duration("duration", d), slog.Int64("bytes", 100), slog.String("request_id", id))
	}
	f.Close()
	got, err := readDurations(path, "pbx")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["pbx-1"] != 12345*time.Microsecond || got["pbx-2"] != 2*time.Second {
		t.Errorf("read %v; want pbx-1 12.345ms and pbx-2 2s", got)
	}
}
