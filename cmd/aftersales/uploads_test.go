package main

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// serve's upload flags reach the application: with AFTERSALES_UPLOAD_QUOTA_COUNT=1, a
// customer's second upload of the day is refused with 429 and Retry-After. Values that make
// no sense are usage errors.
func TestServeUploadFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := MustServe(t, map[string]string{"AFTERSALES_UPLOAD_QUOTA_COUNT": "1"}, "", "--data", dir,
		"--upload-quota-bytes", "10MiB", "--upload-grace", "48h")
	stdout, stderr, err := run(t, nil, "token", "create", "--role", "customer", "--customer", "C-1", "--data", dir)
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr)
	}
	token := strings.TrimSpace(stdout)
	upload := func() *http.Response {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		part, _ := w.CreateFormFile("file", "photo.png")
		_, _ = part.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...))
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/attachments", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := upload(); res.StatusCode != http.StatusCreated {
		t.Fatalf("first upload: %d", res.StatusCode)
	}
	if res := upload(); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("second upload with a quota of one file: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--upload-quota-count", "-1"}, "--upload-quota-count must be 0"},
		{[]string{"--upload-quota-bytes", "a lot"}, "is not a size"},
		{[]string{"--upload-grace", "30s"}, "--upload-grace must be a minute or more"},
	} {
		_, _, err := run(t, nil, append([]string{"serve", "--data", t.TempDir()}, tt.args...)...)
		if ExitCode(err) != exitUsage || !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("serve %q: exit %d %v; want a usage error with %q", tt.args, ExitCode(err), err, tt.want)
		}
	}
}
