#!/usr/bin/env bash
# Every report for a year by day at scale, on SQLite and PostgreSQL, beside a plain scan of
# the same cases on the same database in the same run, as docs/PERFORMANCE.md reports
# them ("Reports at 1,000,000 cases").
#
#   scripts/reports.sh [cases]          # default 1000000
#
# REPORTS_STORES="sqlite postgres" (default both); REPORTS_DATABASE_URL is the scratch
# PostgreSQL database, dropped and created by the run and dropped after it (default
# postgres://postgres@127.0.0.1:5432/reportbench?sslmode=disable; trust auth).
# REPORTS_FLAGS adds flags of cmd/reportbench (e.g. "--runs 9 --seed 2").
set -euo pipefail
cases=${1:-1000000}
stores=${REPORTS_STORES:-sqlite postgres}
pgurl=${REPORTS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/reportbench?sslmode=disable}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -o "$work/reportbench" ./cmd/reportbench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for s in $stores; do
  case $s in
    sqlite)
      # shellcheck disable=SC2086
      "$work/reportbench" --cases "$cases" --data "$work/sqlite" ${REPORTS_FLAGS:-} ;;
    postgres)
      # shellcheck disable=SC2086
      "$work/reportbench" --cases "$cases" --database-url "$pgurl" --create-database ${REPORTS_FLAGS:-} ;;
    *) echo "unknown store $s" >&2; exit 64 ;;
  esac
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "$work/sqlite"
done
