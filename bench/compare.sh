#!/usr/bin/env bash
# A/B benchmark of two tenantplan builds on the same fleet (run by hand).
#
#   bench/compare.sh [--baseline REV] [--tenants N] [--rounds R]
#
# Defaults: REV=HEAD~1, N=1000, R=3. Builds the working tree and REV (in a
# temporary git worktree) in release mode, provisions N tenants of the bench
# schema with psql in a throwaway cluster, then takes turns, R rounds:
#   - a no-op plan over the N in-sync tenants, with each build;
#   - a fleet change (+1 column on 20 tables, +1 index), plan + apply, each build on
#     its own copy (createdb -T) of the same database.
# Prints the best and median of each figure per build and the ratio current/baseline.
# Use it to show that a refactor changed no speed beyond noise; bench/run.sh is the
# benchmark against the outside baselines (psql, raw catalog reads, Alembic).
set -euo pipefail

BASELINE="HEAD~1"
N=1000
R=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --baseline) BASELINE="${2:?--baseline needs a revision}"; shift 2 ;;
        --tenants) N="${2:?--tenants needs a value}"; shift 2 ;;
        --rounds) R="${2:?--rounds needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        *) echo "compare: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for value in "$N" "$R"; do
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "compare: counts must be positive integers, got '$value'" >&2; exit 2; }
done

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
LIB="$BENCH/benchlib.py"
WORK="$BENCH/work-compare"
log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[compare] ERROR: %s\n' "$*" >&2; exit 1; }

BASE_REV="$(git -C "$ROOT" rev-parse --short "$BASELINE")" || die "unknown revision $BASELINE"
CUR_REV="$(git -C "$ROOT" rev-parse --short HEAD)"
[[ -z "$(git -C "$ROOT" status --porcelain -- Sources Package.swift)" ]] || CUR_REV="$CUR_REV + uncommitted changes"

rm -rf "$WORK"
mkdir -p "$WORK/bin" "$WORK/logs"
TREE="$(mktemp -d /tmp/tpcompare-tree.XXXXXX)"
CLUSTER="$(mktemp -d /tmp/tpcompare.XXXXXX)"
cleanup() {
    local rc=$?
    "$ROOT/scripts/pg-cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true
    git -C "$ROOT" worktree remove --force "$TREE" >/dev/null 2>&1 || rm -rf "$TREE"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build() { # DIR OUT
    log "building $1 (release)"
    (cd "$1" && swift build -c release --scratch-path "$1/.build-bench" >"$WORK/logs/build.log" 2>&1) \
        || { tail -n 30 "$WORK/logs/build.log" >&2; die "swift build failed in $1"; }
    cp "$(cd "$1" && swift build -c release --scratch-path "$1/.build-bench" --show-bin-path)/tenantplan" "$2"
}
git -C "$ROOT" worktree add --detach -q "$TREE" "$BASE_REV"
build "$TREE" "$WORK/bin/baseline"
build "$ROOT" "$WORK/bin/current"

cd "$WORK"
python3 "$LIB" schema schema.yaml schema-v2.yaml
python3 "$LIB" tenants tenants-listed.yaml "$N"
python3 "$LIB" discover tenants.yaml

log "starting a throwaway cluster in $CLUSTER"
eval "$("$ROOT/scripts/pg-cluster.sh" start "$CLUSTER" --owner-pid $$)"
unset DATABASE_URL PGPASSWORD PGSERVICE PGOPTIONS
createdb seed
log "provisioning $N tenants with the current build"
PGDATABASE=seed bin/current plan --schema schema.yaml --tenants tenants-listed.yaml --out plan-create.json >logs/create.log 2>&1
PGDATABASE=seed bin/current apply plan-create.json >>logs/create.log 2>&1
psql -X -q -d seed -c "VACUUM ANALYZE" >/dev/null

# timeit NAME CMD...: appends CMD's wall time to NAME.times; fails loudly unless it exits 0.
timeit() {
    local name="$1"; shift
    python3 "$LIB" timeit time.tmp -- "$@" >"logs/$name.log" 2>&1 \
        || { tail -n 30 "logs/$name.log" >&2; die "$name failed: $*"; }
    cat time.tmp >>"$name.times"; echo >>"$name.times"
}

for round in $(seq 1 "$R"); do
    order=(baseline current)
    (( round % 2 == 0 )) && order=(current baseline)
    for build in "${order[@]}"; do
        log "round $round: $build"
        timeit "noop.$build" env PGDATABASE=seed "bin/$build" plan --schema schema.yaml --tenants tenants.yaml \
            --out "noop-$build.json" --detailed-exitcode
        createdb -T seed "change_$build"
        timeit "change.$build" bash -c "PGDATABASE=change_$build bin/$build plan --schema schema-v2.yaml \
            --tenants tenants.yaml --out change-$build.json && PGDATABASE=change_$build bin/$build apply change-$build.json"
        rc=0
        PGDATABASE="change_$build" "bin/$build" plan --schema schema-v2.yaml --tenants tenants.yaml \
            --out "check-$build.json" --detailed-exitcode >"logs/check.log" 2>&1 || rc=$?
        [[ $rc -eq 0 ]] || { tail -n 20 logs/check.log >&2; die "$build: re-plan after the change is not in sync"; }
        dropdb "change_$build"
    done
done

python3 - "$BASE_REV" "$CUR_REV" "$N" "$R" <<'EOF'
import statistics, sys
base_rev, cur_rev, n, r = sys.argv[1:]
def times(name):
    return [float(x) for x in open(f"{name}.times").read().split()]
print(f"\nA/B on {n} tenants, {r} rounds taking turns: baseline {base_rev}, current {cur_rev}\n")
print("| figure | baseline best / median | current best / median | ratio (best) | ratio (median) |")
print("|---|---:|---:|---:|---:|")
for figure, label in (("noop", "no-op plan"), ("change", "fleet change: plan + apply")):
    b, c = times(f"{figure}.baseline"), times(f"{figure}.current")
    print(f"| {label} | {min(b):.2f} s / {statistics.median(b):.2f} s | {min(c):.2f} s / {statistics.median(c):.2f} s"
          f" | {min(c) / min(b):.2f}x | {statistics.median(c) / statistics.median(b):.2f}x |")
EOF
