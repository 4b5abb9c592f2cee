#!/usr/bin/env bash
# Intake and life-cycle throughput on SQLite and PostgreSQL beside the raw database on the
# same machine, in one run, as docs/PERFORMANCE.md reports them. Loopback only.
#
#   scripts/bench.sh [clients] [seconds]
#
# Needs: a local PostgreSQL (trust auth on 127.0.0.1:5432) and pgbench.
#
# SETTLE (default 1ms) is serve's --gateway-settle-delay: the simulated payment gateway
# settles a refund within twice that. Its own default, 200 ms, made the life cycle measure
# the simulated bank's delay rather than the platform (runs before 2026-12-06 did).
set -euo pipefail
clients=${1:-8}
settle=${SETTLE:-1ms}
secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"; psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS aftersales_bench" >/dev/null 2>&1 || true' EXIT

cd "$root"
go build -o "$work/aftersales" ./cmd/aftersales
go build -o "$work/loadgen" ./cmd/loadgen
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
echo "clients: $clients, seconds per run: $secs, the gateway settles within 2 × $settle"

# pgbench: single-row inserts, autocommit, same client count.
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS aftersales_bench" -c "CREATE DATABASE aftersales_bench"
psql -q -h 127.0.0.1 -U postgres -d aftersales_bench -c "CREATE TABLE raw_insert (id bigserial PRIMARY KEY, a text, b bigint, c jsonb, at timestamptz DEFAULT now())"
echo "INSERT INTO raw_insert (a, b, c) VALUES ('hello', :client_id, '{\"x\": 1}');" > "$work/insert.sql"
pgbench_tps=$(pgbench -h 127.0.0.1 -U postgres -n -c "$clients" -j 2 -T "$secs" -f "$work/insert.sql" aftersales_bench 2>/dev/null | awk '/^tps/ {print int($3); exit}')
echo "pgbench single-row insert: $pgbench_tps TPS"

run_server() { # $1: name, rest: serve flags
  local name=$1; shift
  # The load generator's agent applies hundreds of times a second from one address: the
  # benchmark measures the service, not the rate limits a person meets.
  "$work/aftersales" serve --addr 127.0.0.1:18089 --rate-principal off --rate-integration off --rate-addr off --gateway-settle-delay "$settle" "$@" >"$work/$name.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fs http://127.0.0.1:18089/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  rss_max=0
  ( while kill -0 $server 2>/dev/null; do
      r=$(awk '/VmRSS/ {print $2}' /proc/$server/status 2>/dev/null || echo 0)
      echo "$r"; sleep 0.5
    done ) >"$work/$name.rss" &
}

# drain waits (180 s at most) until the outbox is empty and every changed record is folded
# into the reports, as /metrics reports them: each run starts from a server that has done
# the background work the run before left (PostgreSQL folds its warm-up's orders for tens
# of seconds); how long that took is printed, not measured in the next run.
drain() {
  local t0=$SECONDS n=
  while [ $((SECONDS - t0)) -lt 180 ]; do
    n=$(curl -fs http://127.0.0.1:18089/metrics | awk '/^aftersales_(outbox|report)_backlog / {s += $2} END {print s + 0}')
    [ "$n" = 0 ] && break
    sleep 0.5
  done
  echo "background work drained in $((SECONDS - t0)) s (left: ${n:-?})"
}

tokens() { # $@: store flags
  integ=$("$work/aftersales" token create --role integration "$@" 2>/dev/null | tail -1)
  agent=$("$work/aftersales" token create --role agent "$@" 2>/dev/null | tail -1)
  cust=$("$work/aftersales" token create --role customer --customer load-customer "$@" 2>/dev/null | tail -1)
}

bench_store() { # $1: name, rest: store flags
  local name=$1; shift
  tokens "$@"
  run_server "$name" "$@"
  local warm=$(( secs * 2000 )) # orders for up to 2,000 applications a second
  "$work/loadgen" -url http://127.0.0.1:18089 -integration "$integ" -agent "$agent" -customer "$cust" \
    -mode intake -clients "$clients" -duration "${secs}s" -warmup "$warm" -json >"$work/$name.intake.json" 2>"$work/$name.intake.err" &
  local gen=$!
  # The server's CPU time (user + system, clock ticks) while the intake is measured.
  while ! grep -q measuring "$work/$name.intake.err" 2>/dev/null; do sleep 0.05; done
  local cpu0 cpu1
  cpu0=$(awk '{print $14 + $15}' /proc/$server/stat)
  wait $gen
  cpu1=$(awk '{print $14 + $15}' /proc/$server/stat)
  echo $(( cpu1 - cpu0 )) >"$work/$name.cpu"
  drain
  peak=$(python3 -c "import json;print(json.load(open('$work/$name.intake.json'))['ops_per_second'])")
  half=$(python3 -c "print(round($peak/2, 1))")
  # Orders for the half-rate run, and a fifth more: what it pushes first is folded into the
  # reports while it measures (40,000 orders' folding held PostgreSQL's half-rate run to 67
  # cases/s).
  local halfwarm
  halfwarm=$(python3 -c "print(int($half * $secs * 1.2) + 100)")
  "$work/loadgen" -url http://127.0.0.1:18089 -integration "$integ" -agent "$agent" -customer "$cust" \
    -mode intake -clients "$clients" -duration "${secs}s" -warmup "$halfwarm" -rate "$half" -json >"$work/$name.half.json"
  drain
  "$work/loadgen" -url http://127.0.0.1:18089 -integration "$integ" -agent "$agent" -customer "$cust" \
    -mode lifecycle -clients "$clients" -duration "${secs}s" -warmup 0 -json >"$work/$name.lifecycle.json"
  kill $server; wait $server 2>/dev/null || true
  rss=$(sort -n "$work/$name.rss" | tail -1)
  echo "== $name"
  python3 - "$work/$name" "$rss" "$(getconf CLK_TCK)" <<'PY'
import json, sys
base, rss, tick = sys.argv[1], int(sys.argv[2] or 0), int(sys.argv[3])
for kind in ("intake", "half", "lifecycle"):
    r = json.load(open(f"{base}.{kind}.json"))
    label = {"intake": "intake (peak)", "half": "intake at half the peak rate", "lifecycle": "full life cycle (6 requests per case)"}[kind]
    print(f"{label}: {r['ops_per_second']:.0f} cases/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}")
r = json.load(open(f"{base}.intake.json"))
cpu = int(open(f"{base}.cpu").read()) / tick
print(f"server CPU per created case (intake at peak, background work included): {1000*cpu/max(r['ops'], 1):.2f} ms")
print(f"server max RSS: {rss/1024:.0f} MB")
PY
}

bench_store sqlite --data "$work/data"
ns=$(go test ./internal/store/sqlite -run '^$' -bench BenchmarkRawInsert -benchtime "${secs}s" | awk '/^BenchmarkRawInsert/ {print $3}')
sqlite_intake=$(python3 -c "import json;print(json.load(open('$work/sqlite.intake.json'))['ops_per_second'])")
python3 -c "raw=1e9/$ns; print(f'raw SQLite single-row insert loop (same driver and settings): {raw:.0f} inserts/s; intake / raw = {$sqlite_intake:.0f} / {raw:.0f} = {100*$sqlite_intake/raw:.0f}%')"

psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS aftersales_bench_app" -c "CREATE DATABASE aftersales_bench_app"
bench_store postgres --database-url "postgres://postgres@127.0.0.1:5432/aftersales_bench_app?sslmode=disable"
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS aftersales_bench_app" >/dev/null

pg_intake=$(python3 -c "import json;print(json.load(open('$work/postgres.intake.json'))['ops_per_second'])")
python3 -c "print(f'PostgreSQL intake / pgbench single-row insert TPS = {$pg_intake:.0f} / $pgbench_tps = {100*$pg_intake/$pgbench_tps:.0f}%')"
