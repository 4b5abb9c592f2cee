#!/usr/bin/env bash
# Server time of the queue and the case page on a store, beside the store's own queries on
# the same machine in the same run, as docs/PERFORMANCE.md reports them. Loopback only.
#
#   scripts/pages.sh [requests] [clients]
#
# The store (one of):
#   PAGES_DATA=DIR           an SQLite store seeded before: aftersales seed --demo --cases 100000 --data DIR
#   PAGES_DATABASE_URL=URL   a PostgreSQL store seeded before (--database-url URL)
#   neither                  a fresh SQLite store with about PAGES_CASES cases (default 2000), seeded now
# PAGES_MERCHANT is the merchant whose staff log in (default yichu-fashion, the demo's
# largest), PAGES_CUSTOMER the customer (default C100001, the demo's busiest).
#
# The server runs with --scheduler=false: a store seeded hours ago has deadlines falling
# due and an outbox never delivered, whose work would run beside the measurement.
set -euo pipefail
requests=${1:-200}
clients=${2:-4}
merchant=${PAGES_MERCHANT:-yichu-fashion}
customer=${PAGES_CUSTOMER:-C100001}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cd "$root"
go build -o "$work/aftersales" ./cmd/aftersales
go build -o "$work/pagebench" ./cmd/pagebench
go test -c -o "$work/sqlite.test" ./internal/store/sqlite
go test -c -o "$work/postgres.test" ./internal/store/postgres

if [ -n "${PAGES_DATABASE_URL:-}" ]; then
  store=(--data "$work/data" --database-url "$PAGES_DATABASE_URL")
  name=PostgreSQL
elif [ -n "${PAGES_DATA:-}" ]; then
  store=(--data "$PAGES_DATA")
  name=SQLite
else
  store=(--data "$work/data")
  name=SQLite
  "$work/aftersales" seed --demo --cases "${PAGES_CASES:-2000}" --progress never "${store[@]}" >"$work/seed.out"
  head -n 1 "$work/seed.out"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "store: $name; requests per page variant and role: $requests; concurrent clients: $clients"

# Accounts of their own (made again with a new password on a second run).
account() { # $1 username, rest: user create flags
  local user=$1; shift
  local pw
  pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  if ! printf '%s\n' "$pw" | "$work/aftersales" user create --username "$user" "$@" "${store[@]}" >/dev/null 2>&1; then
    printf '%s\n' "$pw" | "$work/aftersales" user set --username "$user" --password-stdin --enable --unlock "${store[@]}" >/dev/null
  fi
  echo "$pw"
}
staff_pw=$(account pagebench.staff --role merchant --merchant "$merchant" --display-name "pagebench staff")
agent_pw=$(account pagebench.agent --role agent --display-name "pagebench agent")
"$work/aftersales" shop secret --shop platform "${store[@]}" >/dev/null

port=18090
"$work/aftersales" serve --addr "127.0.0.1:$port" --scheduler=false "${store[@]}" >"$work/server.out" 2>"$work/server.log" &
server=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
link=$("$work/aftersales" shop link --shop platform --customer "$customer" --base "http://127.0.0.1:$port" "${store[@]}" | tail -n 1)

# The store's own queries first, with the server idle: the raw SQL through the driver, and
# the store's methods (which decode the rows).
echo
echo "== the store's queries (sequential, same machine, same run)"
if [ "$name" = PostgreSQL ]; then
  AFTERSALES_SCALE_DATABASE_URL=$PAGES_DATABASE_URL AFTERSALES_SCALE_MERCHANT=$merchant \
    "$work/postgres.test" -test.run '^TestQueueAtScale$' -test.v | grep -v -e '^=== ' -e '^--- ' -e '^PASS' -e '^ok'
else
  AFTERSALES_SCALE_SQLITE=${PAGES_DATA:-$work/data}/aftersales.db AFTERSALES_SCALE_MERCHANT=$merchant \
    "$work/sqlite.test" -test.run '^TestQueueAtScale$' -test.v | grep -v -e '^=== ' -e '^--- ' -e '^PASS' -e '^ok'
fi

echo
echo "== the pages over HTTP"
PAGEBENCH_STAFF_PASSWORD=$staff_pw PAGEBENCH_AGENT_PASSWORD=$agent_pw "$work/pagebench" \
  -url "http://127.0.0.1:$port" -staff pagebench.staff -agent pagebench.agent -customer-link "$link" \
  -requests "$requests" -clients "$clients" -server-log "$work/server.log" ${PAGES_JSON:+-json}
echo "server max RSS: $(awk '/VmHWM/ {print int($2/1024) " MB"}' "/proc/$server/status")"
