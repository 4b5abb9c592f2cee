#!/usr/bin/env bash
# The money chaos test at full size, as docs/PERFORMANCE.md reports it: 1000 refunds through
# `aftersales serve` with a gateway that fails 30% of its calls and sends 30% of its
# callbacks twice, the server killed with SIGKILL twice and started again, then every
# payment settled, `aftersales reconcile` clean and each case paid exactly once
# (cmd/moneychaos). On SQLite, and on PostgreSQL too when a URL is given. Loopback only.
#
#   scripts/chaos.sh [moneychaos flags…]
#   CHAOS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/as_chaos?sslmode=disable scripts/chaos.sh
#
# CHAOS_REFUNDS (1000), CHAOS_KILLS (2) and CHAOS_CLIENTS (8) size the run; other flags go
# to moneychaos as they are (e.g. -gateway-settle-delay 3s, so that retries meet payments
# still processing). The PostgreSQL database should be empty: the run adds a merchant of
# its own, and reconcile reads the whole store. Exit status 1 when a run fails a check.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -o "$work/aftersales" ./cmd/aftersales
go build -o "$work/moneychaos" ./cmd/moneychaos
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)"
echo "date:    $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit:  $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- cmd internal || echo ' (with local changes)')"

status=0
chaos() { # $1: name, rest: store flags
	local name=$1
	shift
	echo
	echo "== $name"
	"$work/moneychaos" -bin "$work/aftersales" -refunds "${CHAOS_REFUNDS:-1000}" -kills "${CHAOS_KILLS:-2}" \
		-clients "${CHAOS_CLIENTS:-8}" "$@" "${extra[@]}" 2>"$work/$name.progress" || {
		status=1
		cat "$work/$name.progress" >&2
	}
}

extra=("$@")
chaos sqlite -data "$work/data"
if [ -n "${CHAOS_DATABASE_URL:-}" ]; then
	chaos postgresql -data "$work/pgdata" -database-url "$CHAOS_DATABASE_URL"
fi
exit $status
