package main

import (
	"strings"
	"testing"
)

func TestServeRefusesARetentionUnderAMinute(t *testing.T) {
	for _, flag := range []string{"--outbox-retention", "--timer-retention", "--idempotency-retention", "--webhook-retention"} {
		for _, arg := range []string{"30s", "-1h"} {
			_, _, err := run(t, nil, "serve", "--data", t.TempDir(), flag, arg)
			if ExitCode(err) != exitUsage || !strings.Contains(ErrorMessage(err), flag+" must be 0") {
				t.Errorf("serve %s %s: exit %d %v; want a usage error", flag, arg, ExitCode(err), err)
			}
		}
	}
}
