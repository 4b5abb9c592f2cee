#!/usr/bin/env bash
# Intake and life-cycle throughput of N replicas sharing one PostgreSQL, beside one replica
# driven by as many clients, on the same machine in one run (docs/SCALING.md). Loopback only.
#
#   scripts/replicas.sh [replicas=3] [clients-per-replica=4] [seconds=10]
#
# WARMUP (environment) is the orders created before each intake run, all replicas together
# (default seconds × 4,000, as scripts/bench.sh: intake uses one order per application).
# SETTLE (default 1ms) is serve's --gateway-settle-delay: the simulated payment gateway
# settles a refund within twice that. Its own default, 200 ms, would make the life cycle wait
# for the simulated bank (a client does at most a few cases a second) instead of measuring the
# platform.
#
# Needs a local PostgreSQL with trust auth on 127.0.0.1:5432. The database aftersales_replicas
# is created afresh and dropped at exit; the tokens are created once, in it, so every replica
# accepts them. Each configuration (first 1 replica with N × clients-per-replica clients, then N
# replicas with clients-per-replica clients each) runs on the same database, one after the
# other: `aftersales serve` on 127.0.0.1:18101…1810N, each with its own --data folder, the
# first started alone (it applies any migration) and the others once it answers /healthz; then
# one `cmd/loadgen -mode intake` per replica at once, each with its own order prefix, then
# `-mode lifecycle` the same way. Between the runs the outbox and the report folding are left
# to drain, so that a run does not pay for the one before.
#
# Throughputs are summed over the replicas; p99 is the worst replica's. Each intake loadgen
# measures from the end of its own warm-up ("loadgen: measuring"): how far apart those starts
# were is printed. Per life cycle: transactions and rows written (this database's statistics,
# read once the servers have stopped) and WAL (pg_current_wal_lsn: the whole PostgreSQL
# cluster's, so exact only when nothing else writes to it).
set -euo pipefail
export LC_ALL=C # a decimal point in $EPOCHREALTIME
replicas=${1:-3}
per=${2:-4}
secs=${3:-10}
case "$replicas$per$secs" in *[!0-9]*) echo "usage: scripts/replicas.sh [replicas] [clients-per-replica] [seconds]" >&2; exit 2 ;; esac
[ "$replicas" -ge 1 ] && [ "$replicas" -le 9 ] || { echo "replicas: 1 to 9 (ports 18101…18109)" >&2; exit 2; }
[ "$per" -ge 1 ] && [ "$secs" -ge 1 ] || { echo "clients per replica and seconds: at least 1" >&2; exit 2; }
warmup=${WARMUP:-$((secs * 4000))}
settle=${SETTLE:-1ms}
db=aftersales_replicas
url="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
declare -A pid=()

psqlq() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -h 127.0.0.1 -U postgres "$@"; }

cleanup() {
	for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pid[@]}"; do wait "$p" 2>/dev/null || true; done
	kill $(jobs -p) 2>/dev/null || true
	psqlq -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
go build -o "$work/aftersales" ./cmd/aftersales
go build -o "$work/loadgen" ./cmd/loadgen
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
echo "replicas: $replicas × $per clients against 1 × $((replicas * per)) clients; $secs s per run; $warmup warm-up orders per intake run; the gateway settles within 2 × $settle; PostgreSQL $(psqlq -d postgres -c 'SHOW server_version')"

psqlq -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
token() { "$work/aftersales" token create "$@" --data "$work/tokens" --database-url "$url" 2>/dev/null | tail -1; }
integ=$(token --role integration)
agent=$(token --role agent)
cust=$(token --role customer --customer load-customer)

start() { # start CONF I: replica I on 127.0.0.1:1810I, its resident memory sampled every 0.5 s
	local conf=$1 i=$2
	# The load generator's agent applies hundreds of times a second from one address: the
	# run measures the service, not the limits a person meets (as scripts/bench.sh).
	"$work/aftersales" serve --addr "127.0.0.1:$((18100 + i))" --rate-principal off --rate-integration off --rate-addr off \
		--gateway-settle-delay "$settle" --database-url "$url" --data "$work/$conf.data$i" >"$work/$conf.serve$i.log" 2>&1 &
	pid[$i]=$!
	local p=${pid[$i]}
	(while kill -0 "$p" 2>/dev/null; do
		awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || true
		sleep 0.5
	done) >"$work/$conf.rss$i" &
}

up() { # up CONF I: wait for replica I's /healthz
	local conf=$1 i=$2
	for _ in $(seq 300); do
		curl -fs "http://127.0.0.1:$((18100 + i))/healthz" >/dev/null 2>&1 && return 0
		if ! kill -0 "${pid[$i]}" 2>/dev/null; then
			echo "replica $i of $conf did not start:" >&2
			tail -20 "$work/$conf.serve$i.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "replica $i of $conf: no answer on /healthz after 30 s" >&2
	exit 1
}

cputicks() { # the servers' CPU time so far, in clock ticks
	local t=0 p
	for p in "${pid[@]}"; do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

quiet() { # until the servers are idle (the dictionary and the triage model load at start), 30 s at most
	local before after
	for _ in $(seq 60); do
		before=$(cputicks)
		sleep 0.5
		after=$(cputicks)
		[ $((after - before)) -le 5 ] && return 0
	done
}

drain() { # until no outbox message is due and no record waits to be folded into the reports, 120 s at most
	local left
	for _ in $(seq 240); do
		left=$(psqlq -d "$db" -c "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending' AND available_at <= now())
			+ (SELECT count(*) FROM report_dirty)")
		[ "$left" = 0 ] && return 0
		sleep 0.5
	done
	echo "note: $left outbox messages and report marks still waiting after 120 s" >&2
}

snapshot() { # snapshot FILE: this database's transactions and rows written, the cluster's WAL position,
	# and the life cycles begun (their order numbers: S1l-…, R1l-…)
	{
		psqlq -d "$db" -c "SELECT 'begun', count(*) FROM cases WHERE order_no LIKE '__l-%'"
		psqlq -d "$db" -c "SELECT 'lsn', pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
		psqlq -d "$db" -c "SELECT 'xact', xact_commit FROM pg_stat_database WHERE datname = current_database()"
		psqlq -d "$db" -c "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
	} | tr '|' ' ' >"$1"
}

run() { # run CONF N CLIENTS MODE WARMUP TAG: one loadgen per replica, all at once
	local conf=$1 n=$2 clients=$3 mode=$4 warm=$5 tag=$6 i lg=() failed=0
	for i in $(seq "$n"); do
		# stdout (the JSON result) to a file; stderr stamped with the time of each line, so that
		# the ends of the warm-ups ("loadgen: measuring") can be compared.
		("$work/loadgen" -url "http://127.0.0.1:$((18100 + i))" -integration "$integ" -agent "$agent" -customer "$cust" \
			-mode "$mode" -clients "$clients" -duration "${secs}s" -warmup "$warm" -prefix "$tag$i${mode:0:1}" -json \
			2>&1 >"$work/$conf.$mode.$i.json" |
			while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$work/$conf.$mode.$i.err") &
		lg+=($!)
	done
	for i in "${!lg[@]}"; do wait "${lg[$i]}" || failed=1; done
	if [ "$failed" = 1 ]; then
		for i in $(seq "$n"); do sed "s/^/$conf $mode replica $i: /" "$work/$conf.$mode.$i.err" >&2; done
		exit 1
	fi
}

config() { # config CONF N CLIENTS: the fleet, intake, life cycle
	# Order numbers never collide: S1i-0000000… (one replica), R1i-…, R2i-…, and R1l-… for the
	# life cycle.
	local conf=$1 n=$2 clients=$3 i tag=${1:0:1}
	start "$conf" 1
	up "$conf" 1
	for i in $(seq 2 "$n"); do start "$conf" "$i"; done
	for i in $(seq 2 "$n"); do up "$conf" "$i"; done
	quiet
	run "$conf" "$n" "$clients" intake $(((warmup + n - 1) / n)) "${tag^^}"
	drain
	# A backend sends its statistics within 10 s of going idle: wait for them, then count.
	sleep 11
	snapshot "$work/$conf.before"
	run "$conf" "$n" "$clients" lifecycle 0 "${tag^^}"
	drain
	for i in "${!pid[@]}"; do kill "${pid[$i]}"; done
	for i in "${!pid[@]}"; do wait "${pid[$i]}" 2>/dev/null || true; unset "pid[$i]"; done
	sleep 1 # the backends' last statistics are sent as they exit
	snapshot "$work/$conf.after"
}

config single 1 $((replicas * per))
config replicas "$replicas" "$per"

python3 - "$work" "$replicas" "$per" <<'PY'
import json, os, sys

work, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def results(conf, mode, k):
    out = []
    for i in range(1, k + 1):
        r = json.load(open(f"{work}/{conf}.{mode}.{i}.json"))
        r["measuring"] = None
        for line in open(f"{work}/{conf}.{mode}.{i}.err"):
            at, _, text = line.partition(" ")
            if text.strip() == "loadgen: measuring":
                r["measuring"] = float(at)
        out.append(r)
    return out

def rss(conf, k):
    m = []
    for i in range(1, k + 1):
        vals = [int(x) for x in open(f"{work}/{conf}.rss{i}").read().split() if x.isdigit()]
        m.append(max(vals, default=0) / 1024)
    return m

def snap(path):
    d = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            d[parts[0]] = int(parts[1])
    return d

def fmt(x):
    return f"{x:,.0f}"

label = {"intake": "intake", "lifecycle": "full life cycle (6 requests per case)"}
table = {}
for conf, k, clients in (("single", 1, n * per), ("replicas", n, per)):
    print(f"== {k} replica{'s' if k > 1 else ''}, {clients} clients{' each' if k > 1 else ''}")
    row = {}
    for mode in ("intake", "lifecycle"):
        rs = results(conf, mode, k)
        total = sum(r["ops_per_second"] for r in rs)
        errors = sum(r["errors"] for r in rs)
        p50 = max(r["p50_ms"] for r in rs)
        p99 = max(r["p99_ms"] for r in rs)
        if k > 1:
            each = ", ".join(f"R{i} {r['ops_per_second']:.0f} (p50 {r['p50_ms']:.1f}, p99 {r['p99_ms']:.1f} ms, errors {r['errors']})"
                             for i, r in enumerate(rs, 1))
            print(f"{label[mode]}, each: {each}")
        worst = " (the worst replica's)" if k > 1 else ""
        line = f"{label[mode]}: {total:.0f} cases/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms{worst}, errors {errors}"
        if k > 1 and mode == "intake":
            starts = [r["measuring"] for r in rs if r["measuring"] is not None]
            if len(starts) == k:
                line += f"; measurements began within {max(starts) - min(starts):.2f} s"
        if mode == "lifecycle":
            ops = sum(r["ops"] for r in rs)
            reqs = sum(r.get("requests", 0) for r in rs)
            polls = sum(r.get("polls", 0) for r in rs)
            if ops:
                line += f"; {reqs / ops:.1f} requests per case besides its order push ({polls / ops:.1f} of them polls)"
        print(line)
        row[mode] = (total, p99)
    b, a = snap(f"{work}/{conf}.before"), snap(f"{work}/{conf}.after")
    ops = sum(r["ops"] for r in results(conf, "lifecycle", k))
    if ops:
        tables = {t: a.get(t, 0) - b.get(t, 0) for t in a if t not in ("lsn", "xact", "begun")}
        rows = sum(tables.values())
        top = sorted(((v, t) for t, v in tables.items() if v > 0), reverse=True)[:10]
        print(f"per life cycle ({ops} completed, {a['begun'] - b['begun']} begun), relay and report folding included: "
              f"{(a['xact'] - b['xact']) / ops:.1f} transactions (reads too), "
              f"{rows / ops:.0f} rows written ({', '.join(f'{t} {v / ops:.1f}' for v, t in top)}); "
              f"WAL {(a['lsn'] - b['lsn']) / ops / 1024:.0f} KB (the cluster's)")
    m = rss(conf, k)
    if k > 1:
        print(f"server max RSS: {max(m):.0f} MB ({', '.join(f'R{i} {x:.0f}' for i, x in enumerate(m, 1))} MB)")
    else:
        print(f"server max RSS: {max(m):.0f} MB")
    table[conf] = (k, clients, row, max(m))

(_, _, one, _), (_, _, many, _) = table["single"], table["replicas"]
ratio = lambda mode: many[mode][0] / one[mode][0] if one[mode][0] else float("nan")
print(f"== {n} replicas / 1 replica: intake {ratio('intake'):.2f}×, life cycle {ratio('lifecycle'):.2f}×")
print()
print("| replicas | intake cases/s | life cycle cases/s | p99 | max RSS |")
print("|---|---|---|---|---|")
for conf in ("single", "replicas"):
    k, clients, row, m = table[conf]
    who = f"1 ({clients} clients)" if k == 1 else f"{k} ({clients} clients each)"
    print(f"| {who} | {fmt(row['intake'][0])} | {fmt(row['lifecycle'][0])} | {row['intake'][1]:.1f} / {row['lifecycle'][1]:.0f} ms | {m:.0f} MB |")
PY
