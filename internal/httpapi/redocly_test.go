package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The served REST API document passes `redocly lint` with its recommended rules without an
// error or a warning (@redocly/cli from e2e/, installed by npm ci --prefix e2e). Skipped
// without it, failed when AFTERSALES_CHROMIUM says the e2e tools must be there (.ci/run).
func TestOpenAPIPassesRedoclyLint(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	redocly := filepath.Join(root, "e2e", "node_modules", ".bin", "redocly")
	if _, err := os.Stat(redocly); err != nil {
		if os.Getenv("AFTERSALES_CHROMIUM") != "" {
			t.Fatalf("no %s: npm ci --prefix e2e", redocly)
		}
		t.Skipf("no %s: npm ci --prefix e2e installs it", redocly)
	}
	env := apitest.New(t, apitest.Backends()[0])
	doc := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(doc, env.API.APIDocument(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, redocly, "lint", "--format=json", doc)
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var report struct {
		Totals struct {
			Errors   int `json:"errors"`
			Warnings int `json:"warnings"`
		} `json:"totals"`
		Problems []struct {
			RuleID  string `json:"ruleId"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("redocly lint (%v, %v):\n%s\n%s", err, jerr, out, stderr.String())
	}
	if report.Totals.Errors+report.Totals.Warnings > 0 || err != nil {
		t.Fatalf("redocly lint: %d errors, %d warnings (%v): %+v", report.Totals.Errors, report.Totals.Warnings, err, report.Problems)
	}
}
