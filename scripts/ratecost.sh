#!/usr/bin/env bash
# What a case costs at a fixed intake rate: a server built from REV (default: the working
# tree) on a fresh store, cmd/loadgen -mode intake at RATE for SECS from 8 clients, and the
# CPU of the server and of every PostgreSQL process between the start and the end of the
# measured part (from /proc), per case. On PostgreSQL, when pg_stat_statements is loaded
# (shared_preload_libraries), the statements of the whole load — its warm-up of orders
# included — by total time (TOP, 15). PRE_SQL runs on the fresh database first, e.g.
# "ALTER DATABASE aftersales_rate SET session_preload_libraries = 'auto_explain'".
# MODE=lifecycle runs whole life cycles (apply → … → completed) at RATE a second instead of
# applications: "a case" is then a life cycle. Loopback only.
#
#   scripts/ratecost.sh [sqlite|postgres] [RATE] [SECS] [REV]
set -euo pipefail
backend=${1:-postgres}
rate=${2:-120}
secs=${3:-20}
rev=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; git -C "$root" worktree remove --force "$work/src" 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -n "$rev" ]; then
	git -C "$root" worktree add -q --detach "$work/src" "$rev"
	(cd "$work/src" && go build -o "$work/aftersales" ./cmd/aftersales)
else
	(cd "$root" && go build -o "$work/aftersales" ./cmd/aftersales)
fi
(cd "$root" && go build -o "$work/loadgen" ./cmd/loadgen)
bin=$work/aftersales
flags=(--data "$work/data")
db=aftersales_rate
psql=(psql -qAt -h 127.0.0.1 -U postgres -d "$db")
if [ "$backend" = postgres ]; then
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	[ -n "${PRE_SQL:-}" ] && "${psql[@]}" -c "$PRE_SQL"
	flags+=(--database-url "postgres://postgres@127.0.0.1:5432/$db?sslmode=disable")
fi
integ=$("$bin" token create --role integration "${flags[@]}" 2>/dev/null | tail -1)
agent=$("$bin" token create --role agent "${flags[@]}" 2>/dev/null | tail -1)
cust=$("$bin" token create --role customer --customer load-customer "${flags[@]}" 2>/dev/null | tail -1)
"$bin" serve --addr 127.0.0.1:18098 "${flags[@]}" --rate-principal off --rate-addr off --rate-integration off \
	--gateway-settle-delay 1ms >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:18098/healthz >/dev/null 2>&1 && break; sleep 0.1; done
sleep 3 # the dictionary and the triage model load at start
statements=false
if [ "$backend" = postgres ] && [[ "$(psql -qAt -h 127.0.0.1 -U postgres -c 'SHOW shared_preload_libraries')" == *pg_stat_statements* ]]; then
	"${psql[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
	statements=true
fi
pgcpu() { # utime + stime of every PostgreSQL process, clock ticks
	local s=0 p
	for p in $(pgrep -u postgres postgres 2>/dev/null); do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
	echo "$s"
}
srvcpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
"$work/loadgen" -url http://127.0.0.1:18098 -integration "$integ" -agent "$agent" -customer "$cust" -mode "${MODE:-intake}" -clients 8 \
	-duration "${secs}s" -rate "$rate" -warmup $((rate * secs * 12 / 10 + 100)) -json >"$work/load.json" 2>"$work/load.err" &
gen=$!
until grep -q measuring "$work/load.err" 2>/dev/null; do sleep 0.05; done
s0=$(srvcpu) p0=$(pgcpu)
wait $gen
s1=$(srvcpu) p1=$(pgcpu)
kill $server
wait $server 2>/dev/null || true
tick=$(getconf CLK_TCK)
python3 - "$work/load.json" "$s0" "$s1" "$p0" "$p1" "$tick" "$backend" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s0, s1, p0, p1, tick = map(int, sys.argv[2:7])
n = r['ops']
ms = lambda ticks: ticks * 1000 / tick / n
line = f"{r['ops_per_second']:.1f} cases/s, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors, {n} cases: server {ms(s1 - s0):.2f} ms a case"
if sys.argv[7] == 'postgres':
    line += f", PostgreSQL {ms(p1 - p0):.2f} ms a case"
print(line)
PY
if $statements; then
	echo "statements of the whole load, warm-up included (calls, mean ms, total ms):"
	"${psql[@]}" -F $'\t' -c "SELECT calls, round(mean_exec_time::numeric, 3), round(total_exec_time::numeric), left(regexp_replace(query, '\s+', ' ', 'g'), 90)
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		ORDER BY total_exec_time DESC LIMIT ${TOP:-15}"
	"${psql[@]}" -F ' ' -c "SELECT 'all:', sum(calls), 'statements,', round(sum(total_exec_time)::numeric), 'ms' FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
fi
