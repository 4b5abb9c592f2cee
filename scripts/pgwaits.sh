#!/usr/bin/env bash
# What PostgreSQL's backends of one database are doing, sampled every 0.1 s while a load
# runs beside it (scripts/ab.sh, bench.sh, loadgen): a count of each wait event and
# statement among the active backends, most frequent first. Then, for the outbox, each
# topic's messages and their mean time from enqueue to sent. Loopback only.
#
#   scripts/pgwaits.sh DATABASE [seconds]      # e.g. aftersales_ab while ab.sh runs
#
# "Lock:transactionid" on a statement means it waited for another transaction's row lock;
# "-:cpu" that it was working.
set -euo pipefail
db=${1:?usage: scripts/pgwaits.sh DATABASE [seconds]}
secs=${2:-10}
psql=(psql -qAt -h 127.0.0.1 -U postgres -d "$db")
end=$((SECONDS + secs))
while [ $SECONDS -lt $end ]; do
	"${psql[@]}" -c "SELECT coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, 'cpu') || ' ' ||
		left(regexp_replace(query, '\s+', ' ', 'g'), 100)
		FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()" 2>/dev/null || true
	sleep 0.1
done | sort | uniq -c | sort -rn | head -20
echo "outbox by topic (messages, sent, mean seconds from enqueue to its last change):"
"${psql[@]}" -F ' ' -c "SELECT topic, count(*), count(*) FILTER (WHERE state = 'sent'),
	round(avg(extract(epoch FROM updated_at - created_at))::numeric, 3)
	FROM outbox GROUP BY topic ORDER BY 2 DESC" 2>/dev/null || echo "(no outbox in $db)"
