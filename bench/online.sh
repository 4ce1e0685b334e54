#!/usr/bin/env bash
# Online-apply benchmark (run by hand; not part of the test suite).
#
#   bench/online.sh [--rows N] [--small-tenants K] [--clients C] [--rate R] [--reader SECONDS] [--kinds k1,k2,...]
#                   [--online-threshold SIZE]   (passed to tenantplan plan; default: the tool's)
#                   [--repeat N]                (each kind N times, with a row of medians)
#                   [--apply-flags "FLAGS"]     (passed to tenantplan apply for the change kinds)
#                   [--log-tool-statements]     (the server logs apply's statements with durations)
#                   [--window SECONDS]          (how long each run's load lasts; default: room for the slowest kinds)
#
# Defaults: N=200000 (issue 11 measured 2000000), K=7, C=8, R=150, reader 10 s (0: none), every kind
# (add_index, add_unique, add_volatile_column, add_fk, add_check, set_not_null, int_to_bigint).
# Builds tenantplan in release mode into .build-bench, starts a throwaway PostgreSQL cluster
# (scripts/pg-cluster.sh), builds a fleet (tenant `big` with N rows, K small tenants) and, for
# each change kind, on two identical copies under the same pgbench load: `tenantplan apply`
# with default flags against the hand-written online SQL; then a long reader holding big.items
# while an instant change is applied, with the default flags and with the old ones. Reports the
# application's max and p99 latency during the change, errors and wall times side by side, in
# bench/results-<date>-online.md. Work files go to bench/work-online. Standard library Python only.
set -euo pipefail

ROWS=200000
SMALL=7
CLIENTS=8
RATE=150
READER=10
KINDS="add_index,add_unique,add_volatile_column,add_fk,add_check,set_not_null,int_to_bigint"
THRESHOLD=""
REPEAT=1
EXTRA=()
APPLY_FLAGS=""
COMMAND_LINE="bench/online.sh $*"

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --rows) ROWS="${2:?--rows needs a value}"; shift 2 ;;
        --small-tenants) SMALL="${2:?--small-tenants needs a value}"; shift 2 ;;
        --clients) CLIENTS="${2:?--clients needs a value}"; shift 2 ;;
        --rate) RATE="${2:?--rate needs a value}"; shift 2 ;;
        --reader) READER="${2:?--reader needs a value}"; shift 2 ;;
        --kinds) KINDS="${2:?--kinds needs a value}"; shift 2 ;;
        --online-threshold) THRESHOLD="${2:?--online-threshold needs a value}"; shift 2 ;;
        --repeat) REPEAT="${2:?--repeat needs a value}"; shift 2 ;;
        --apply-flags) APPLY_FLAGS="${2?--apply-flags needs a value}"; shift 2 ;;
        --log-tool-statements) EXTRA+=(--log-tool-statements); shift ;;
        --window) EXTRA+=(--window "${2:?--window needs a value}"); shift 2 ;;
        -h|--help) usage ;;
        *) echo "online: unknown argument: $1" >&2; usage ;;
    esac
done
for value in "$ROWS" "$SMALL" "$CLIENTS" "$RATE" "$READER" "$REPEAT"; do
    [[ "$value" =~ ^[0-9]+$ ]] || { echo "online: counts must be whole numbers, got '$value'" >&2; exit 2; }
done
[[ "$ROWS" -ge 1000 ]] || { echo "online: --rows must be at least 1000" >&2; exit 2; }

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work-online"
STAMP="$(date +%Y-%m-%d)"
REPORT="$BENCH/results-$STAMP-online.md"

log() { printf '[online %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[online] ERROR: %s\n' "$*" >&2; exit 1; }

PGBENCH="$(command -v pgbench || true)"
for dir in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
    [[ -z "$PGBENCH" && -x "$dir/pgbench" ]] && PGBENCH="$dir/pgbench"
done
[[ -n "$PGBENCH" ]] || die "pgbench not found (install postgresql-contrib or the server package)"
command -v psql >/dev/null || die "psql not found"

log "building tenantplan (release) into .build-bench"
cd "$ROOT"
built=0
for attempt in 1 2 3; do
    if swift build -c release --scratch-path .build-bench >"/tmp/tenantplan-online-build.$$.log" 2>&1; then
        built=1; break
    fi
    if grep -q "modified during the build" "/tmp/tenantplan-online-build.$$.log"; then
        log "  sources changed during the build; retrying ($attempt)"; sleep 5; continue
    fi
    break
done
[[ $built -eq 1 ]] || { tail -n 40 "/tmp/tenantplan-online-build.$$.log" >&2; die "swift build failed"; }
BIN_DIR="$(swift build -c release --scratch-path .build-bench --show-bin-path)"
rm -f "/tmp/tenantplan-online-build.$$.log"

rm -rf "$WORK"
mkdir -p "$WORK/bin"
cp "$BIN_DIR/tenantplan" "$WORK/bin/tenantplan"   # a private copy: a rebuild cannot swap it mid-run

CLUSTER="$(mktemp -d /tmp/tenantplan-online.XXXXXX)"
rmdir "$CLUSTER"
trap '"$ROOT/scripts/pg-cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true' EXIT
# The application's lock waits are told apart by the log line's application name (`%a`).
eval "$("$ROOT/scripts/pg-cluster.sh" start "$CLUSTER" --owner-pid $$ --set "log_line_prefix='%m [%p] %a: '")"
log "cluster at $PGHOST (deadlock_timeout $(psql -X -At -d postgres -c 'SHOW deadlock_timeout'))"

chmod +x "$BENCH/online.py"
python3 "$BENCH/online.py" run --tp "$WORK/bin/tenantplan" --pgbench "$PGBENCH" --work "$WORK" \
    --rows "$ROWS" --small "$SMALL" --clients "$CLIENTS" --rate "$RATE" --reader "$READER" \
    --kinds "$KINDS" --out "$REPORT" --server-log "$CLUSTER/postgres.log" --command-line "$COMMAND_LINE" \
    --repeat "$REPEAT" --apply-flags "$APPLY_FLAGS" ${EXTRA[@]+"${EXTRA[@]}"} ${THRESHOLD:+--online-threshold "$THRESHOLD"}
log "wrote $REPORT"
