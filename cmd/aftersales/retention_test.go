package main

import (
	"strings"
	"testing"
)

func TestServeRefusesAnOutboxRetentionUnderAMinute(t *testing.T) {
	for _, arg := range []string{"30s", "-1h"} {
		_, _, err := run(t, nil, "serve", "--data", t.TempDir(), "--outbox-retention", arg)
		if ExitCode(err) != exitUsage || !strings.Contains(ErrorMessage(err), "--outbox-retention must be 0") {
			t.Errorf("serve --outbox-retention %s: exit %d %v; want a usage error", arg, ExitCode(err), err)
		}
	}
}
