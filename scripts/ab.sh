#!/usr/bin/env bash
# Intake (or the life cycle) of two builds, alternated on one machine, each run on a fresh
# store: what a change costs, when runs of one build spread by ±15% on a shared machine.
# Loopback only.
#
#   scripts/ab.sh BEFORE AFTER [pairs] [sqlite|postgres]
#   MODE=lifecycle scripts/ab.sh …      # the full life cycle, cases/s
#   RATE=180 scripts/ab.sh …            # intake at a fixed rate: its p99 in ms
#
# BEFORE and AFTER are git revisions; pairs defaults to 5, the store to sqlite (postgres
# needs a local server with trust auth on 127.0.0.1:5432). Each intake run: 12,000 orders
# (at a fixed RATE, what the run uses and a fifth more), then `cmd/loadgen -mode intake`
# from 8 clients for SECS (10) seconds; a life-cycle run orders as it goes. The per-person
# rate limits are off where the build has them (the load generator's agent applies
# hundreds of times a second), and the simulated gateway settles within 2 × SETTLE (1ms)
# where the build has the flag, as in bench.sh.
set -euo pipefail
before=${1:?usage: scripts/ab.sh BEFORE AFTER [pairs] [sqlite|postgres]}
after=${2:?usage: scripts/ab.sh BEFORE AFTER [pairs] [sqlite|postgres]}
pairs=${3:-5}
backend=${4:-sqlite}
mode=${MODE:-intake}
secs=${SECS:-10}
rate=${RATE:-}
settle=${SETTLE:-1ms}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; git -C "$root" worktree remove --force "$work/src" 2>/dev/null || true; rm -rf "$work"' EXIT

build() { # build REV NAME
	git -C "$root" worktree add -q --detach "$work/src" "$1"
	(cd "$work/src" && go build -o "$work/$2" ./cmd/aftersales)
	git -C "$root" worktree remove --force "$work/src"
}
build "$before" before
build "$after" after
(cd "$root" && go build -o "$work/loadgen" ./cmd/loadgen)

run() { # run NAME: prints cases/s
	local bin=$work/$1 data=$work/data flags=(--data "$work/data")
	rm -rf "$data"
	if [ "$backend" = postgres ]; then
		psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS aftersales_ab" -c "CREATE DATABASE aftersales_ab" >/dev/null
		flags+=(--database-url "postgres://postgres@127.0.0.1:5432/aftersales_ab?sslmode=disable")
	fi
	local integ agent cust limits=()
	integ=$("$bin" token create --role integration "${flags[@]}" 2>/dev/null | tail -1)
	agent=$("$bin" token create --role agent "${flags[@]}" 2>/dev/null | tail -1)
	cust=$("$bin" token create --role customer --customer load-customer "${flags[@]}" 2>/dev/null | tail -1)
	# Read the whole help first: grep -q stops at the first match, and under pipefail the
	# help's SIGPIPE failed the test at random (a run then met the default limits: 429s).
	local help
	help=$("$bin" help serve 2>&1 || true)
	if grep -q -- --rate-principal <<<"$help"; then
		limits=(--rate-principal off --rate-addr off)
	fi
	# A shop system's own limit (2,000 orders/s): a fast machine's warm-up goes past it.
	if grep -q -- --rate-integration <<<"$help"; then
		limits+=(--rate-integration off)
	fi
	if grep -q -- --gateway-settle-delay <<<"$help"; then
		limits+=(--gateway-settle-delay "$settle")
	fi
	local load=(-mode "$mode" -clients 8 -duration "${secs}s" -warmup 12000) metric=ops_per_second
	if [ "$mode" = lifecycle ]; then
		load=(-mode lifecycle -clients 8 -duration "${secs}s" -warmup 0)
	elif [ -n "$rate" ]; then
		load=(-mode intake -clients 8 -duration "${secs}s" -rate "$rate" -warmup "$(python3 -c "print(int($rate * $secs * 1.2) + 100)")")
		metric=p99_ms
	fi
	"$bin" serve --addr 127.0.0.1:18096 "${flags[@]}" "${limits[@]}" >"$work/$1.log" 2>&1 &
	local server=$!
	for _ in $(seq 100); do curl -fs http://127.0.0.1:18096/healthz >/dev/null 2>&1 && break; sleep 0.1; done
	# serve answers before its dictionary and triage model are loaded (about 2.5 s, in the
	# background); the first applications would wait for them.
	sleep 3
	"$work/loadgen" -url http://127.0.0.1:18096 -integration "$integ" -agent "$agent" -customer "$cust" \
		"${load[@]}" -json |
		python3 -c "import json, sys; r = json.load(sys.stdin); print(round(r[sys.argv[2]], 1)); r['errors'] and print(f\"{sys.argv[1]}: {r['errors']} errors {r['by_status']}\", file=sys.stderr)" "$1" "$metric"
	kill $server
	wait $server 2>/dev/null || true
}

unit="cases/s"
[ -n "$rate" ] && [ "$mode" = intake ] && unit="ms p99 at $rate cases/s"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F); store: $backend; $mode, $secs s a run"
b=() a=()
for i in $(seq "$pairs"); do
	# Alternate which build goes first, so that neither always meets a warmer machine.
	if [ $((i % 2)) = 1 ]; then
		b+=("$(run before)"); a+=("$(run after)")
	else
		a+=("$(run after)"); b+=("$(run before)")
	fi
	echo "pair $i: before ${b[-1]}, after ${a[-1]} ($unit)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "$mode, $unit: before ${b[*]} (median $(median "${b[@]}")); after ${a[*]} (median $(median "${a[@]}"))"
