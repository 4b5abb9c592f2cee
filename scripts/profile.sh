#!/usr/bin/env bash
# Where one created case's time goes: the intake load of scripts/bench.sh against a server
# with --pprof, a CPU and an allocation profile taken while it runs, and the server's CPU
# time per case from /proc. Loopback only.
#
#   scripts/profile.sh [sqlite|postgres] [seconds] [outdir]
#
# Leaves cpu.pprof, allocs.pprof, the binary and top.txt (the functions by cumulative and
# flat CPU) in outdir (default: a temporary directory, printed); scripts/profsum.py turns
# them into milliseconds of CPU per case by area. CUSTOMERS (default 1000) is loadgen's
# -customers: 1 puts every order on one customer, whose history grows through the run.
set -euo pipefail
backend=${1:-sqlite}
secs=${2:-10}
out=${3:-$(mktemp -d)}
mkdir -p "$out"
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$root"
go build -o "$out/aftersales" ./cmd/aftersales
go build -o "$work/loadgen" ./cmd/loadgen
flags=(--data "$work/data")
if [ "$backend" = postgres ]; then
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS aftersales_prof" -c "CREATE DATABASE aftersales_prof" >/dev/null
	flags+=(--database-url "postgres://postgres@127.0.0.1:5432/aftersales_prof?sslmode=disable")
fi
bin=$out/aftersales
integ=$("$bin" token create --role integration "${flags[@]}" 2>/dev/null | tail -1)
agent=$("$bin" token create --role agent "${flags[@]}" 2>/dev/null | tail -1)
cust=$("$bin" token create --role customer --customer load-customer "${flags[@]}" 2>/dev/null | tail -1)
"$bin" serve --addr 127.0.0.1:18097 --pprof 127.0.0.1:16060 --rate-principal off --rate-integration off --rate-addr off "${flags[@]}" >"$out/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:18097/healthz >/dev/null 2>&1 && break; sleep 0.1; done
sleep 3 # the dictionary and the triage model load at start
cpu() { awk '{print $14 + $15}' /proc/$server/stat; } # utime + stime, clock ticks
"$work/loadgen" -url http://127.0.0.1:18097 -integration "$integ" -agent "$agent" -customer "$cust" \
	-mode intake -clients 8 -duration "${secs}s" -warmup $((secs * 3000)) -customers "${CUSTOMERS:-1000}" -json >"$out/intake.json" 2>"$out/loadgen.err" &
gen=$!
# The warm-up pushes orders first; profile the intake itself.
while ! grep -q measuring "$out/loadgen.err"; do sleep 0.05; done
before=$(cpu)
curl -fs "http://127.0.0.1:16060/debug/pprof/allocs" -o "$out/allocs-before.pprof"
curl -fs "http://127.0.0.1:16060/debug/pprof/profile?seconds=$((secs - 1))" -o "$out/cpu.pprof"
curl -fs "http://127.0.0.1:16060/debug/pprof/allocs" -o "$out/allocs.pprof"
wait $gen
after=$(cpu)
kill $server; wait $server 2>/dev/null || true
tick=$(getconf CLK_TCK)
python3 - "$out/intake.json" "$before" "$after" "$tick" <<'PY' | tee "$out/summary.txt"
import json, sys
r = json.load(open(sys.argv[1])); b, a, tick = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cpu = (a - b) / tick
print(f"intake: {r['ops_per_second']:.0f} cases/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}")
print(f"server CPU while measured: {cpu:.2f} s for {r['ops']} cases = {1000*cpu/max(r['ops'],1):.3f} ms a case")
PY
go tool pprof -top -cum "$bin" "$out/cpu.pprof" 2>/dev/null | head -70 >"$out/top.txt"
go tool pprof -top "$bin" "$out/cpu.pprof" 2>/dev/null | head -45 >>"$out/top.txt"
go tool pprof -top -sample_index=alloc_space -base "$out/allocs-before.pprof" "$bin" "$out/allocs.pprof" 2>/dev/null | head -40 >"$out/allocs.txt"
echo "profiles in $out"
