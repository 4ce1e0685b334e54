#!/usr/bin/env bash
# Side-by-side fleet change (run by hand; not part of the test suite).
#
#   bench/fleet-ab.sh [--rounds R] BINARY [BINARY...]
#
# bench/run.sh measures one build, and its fleet change ratio moves with the shared
# machine's load between its runs. This takes turns instead: it provisions the fleet of
# the last bench/run.sh (bench/work/create.sql, its tenants and schemas; run that first)
# once with psql on a throwaway cluster, then, R rounds (default 3), applies the fleet
# change on a fresh copy with each build (plan + apply) and with psql (bench/work/change.sql),
# each round starting with the next of them. Prints every run's seconds.
set -euo pipefail

ROUNDS=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS="${2:?--rounds needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || { echo "fleet-ab: give at least one tenantplan binary" >&2; exit 2; }
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
W="$BENCH/work"
for f in create.sql change.sql schema-v2.yaml tenants-discover.yaml; do
    [[ -f "$W/$f" ]] || { echo "fleet-ab: $W/$f is missing: run bench/run.sh first" >&2; exit 1; }
done
BINS=()
for b in "$@"; do BINS+=("$(cd "$(dirname "$b")" && pwd)/$(basename "$b")"); done

CLUSTER="$(mktemp -d /tmp/tenantplan-fleet-ab.XXXXXX)"
rmdir "$CLUSTER"
trap '"$ROOT/scripts/pg-cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true' EXIT
# The settings of bench/run.sh's cluster.
eval "$("$ROOT/scripts/pg-cluster.sh" start "$CLUSTER" --owner-pid $$ \
    --set max_connections=400 --set max_locks_per_transaction=256)"
unset DATABASE_URL PGPASSWORD PGSERVICE PGOPTIONS
createdb -T template0 fleet_ab_base
psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -d fleet_ab_base -f "$W/create.sql"

now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
VARIANTS=(psql "${BINS[@]}")
for ((round = 0; round < ROUNDS; round++)); do
    n=${#VARIANTS[@]}
    for ((k = 0; k < n; k++)); do
        v="${VARIANTS[$(( (round + k) % n ))]}"
        createdb -T fleet_ab_base fleet_ab_copy
        psql -X -q -d fleet_ab_copy -c CHECKPOINT
        if [[ "$v" == psql ]]; then
            s=$(now); psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -d fleet_ab_copy -f "$W/change.sql"; e=$(now)
            echo "round $((round + 1)) psql: $(since "$s" "$e") s"
        else
            s=$(now)
            PGDATABASE=fleet_ab_copy "$v" plan --schema "$W/schema-v2.yaml" --tenants "$W/tenants-discover.yaml" \
                --out "$CLUSTER/plan.json" >/dev/null 2>&1 || [[ $? -eq 2 ]]
            m=$(now)
            PGDATABASE=fleet_ab_copy "$v" apply "$CLUSTER/plan.json" >/dev/null 2>"$CLUSTER/apply.log" \
                || { tail -n 20 "$CLUSTER/apply.log" >&2; exit 1; }
            e=$(now)
            echo "round $((round + 1)) $v: plan $(since "$s" "$m") s, apply $(since "$m" "$e") s"
        fi
        dropdb fleet_ab_copy
    done
done
