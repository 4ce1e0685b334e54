#!/usr/bin/env bash
# Fleet-scale benchmark of tenantplan (run by hand; not part of the test suite).
#
#   bench/run.sh [--tenants N] [--memory-tenants M] [--alembic-tenants K] [--skip-memory] [--skip-alembic]
#
# Defaults: N=1000, M=10000, K=50. Builds tenantplan in release mode into
# .build-bench, starts a throwaway PostgreSQL cluster (scripts/pg-cluster.sh),
# and measures, side by side:
#   1. provisioning N new tenants: plan + apply (default and --parallel 1) vs psql
#      running the same DDL, one transaction per tenant, in one session;
#   2. a no-op plan over the N in-sync tenants vs the raw catalog reads;
#   3. a fleet change (+1 column on all 20 tables, +1 index): plan + apply vs psql
#      (best of two rounds each, on a copy of each database), and vs the Alembic
#      multi-tenant recipe (K tenants, extrapolated to N);
#   4. peak RSS, plan.json bytes per tenant and time of a no-op plan at M tenants.
# Prints a Markdown table and writes it to bench/results-<date>.md. Inputs, plans,
# logs and the Alembic project go to bench/work; the Alembic venv to bench/.venv.
set -euo pipefail

N=1000
M=10000
K=50
SKIP_MEMORY=0
SKIP_ALEMBIC=0
COMMAND_LINE="bench/run.sh $*"

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tenants) N="${2:?--tenants needs a value}"; shift 2 ;;
        --memory-tenants) M="${2:?--memory-tenants needs a value}"; shift 2 ;;
        --alembic-tenants) K="${2:?--alembic-tenants needs a value}"; shift 2 ;;
        --skip-memory) SKIP_MEMORY=1; shift ;;
        --skip-alembic) SKIP_ALEMBIC=1; shift ;;
        -h|--help) usage ;;
        *) echo "bench: unknown argument: $1" >&2; usage ;;
    esac
done
for value in "$N" "$M" "$K"; do
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "bench: counts must be positive integers, got '$value'" >&2; exit 2; }
done
[[ "$N" -le 99999 && "$M" -le 99999 ]] || { echo "bench: at most 99999 tenants" >&2; exit 2; }
if [[ "$K" -gt "$N" ]]; then K="$N"; fi

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work"
LIB="$BENCH/benchlib.py"
VENV="$BENCH/.venv"
RESULTS="$WORK/results.env"
LOGS="$WORK/logs"
STAMP="$(date +%Y-%m-%d)"
REPORT="$BENCH/results-$STAMP.md"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }
record() { printf '%s=%s\n' "$1" "$2" >>"$RESULTS"; }
seconds() { cat "$WORK/time.$1"; }

# timed NAME CMD...: runs CMD with its output in $LOGS/NAME.log, its time in $WORK/time.NAME.
# Fails loudly, showing the end of the log, unless CMD exits 0.
timed() {
    local name="$1"; shift
    local rc=0
    python3 "$LIB" timeit "$WORK/time.$name" -- "$@" >"$LOGS/$name.log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "---- last lines of $LOGS/$name.log ----" >&2
        tail -n 40 "$LOGS/$name.log" >&2 || true
        echo "----" >&2
        die "step '$name' exited $rc: $*"
    fi
    log "  $name: $(seconds "$name") s"
}

# best_of2 NAME CMD...: runs CMD twice; $WORK/time.NAME holds the better time.
best_of2() {
    local name="$1"; shift
    timed "$name.1" "$@"
    timed "$name.2" "$@"
    python3 -c 'import sys; print(min(float(open(p).read()) for p in sys.argv[1:]))' \
        "$WORK/time.$name.1" "$WORK/time.$name.2" >"$WORK/time.$name"
    log "  $name: best $(seconds "$name") s"
}

# in_db DB CMD...: runs CMD with PGDATABASE=DB.
in_db() { local db="$1"; shift; PGDATABASE="$db" "$@"; }

# psql_file DB FILE: one psql session running FILE, stopping at the first error, results discarded.
psql_file() { env PGDATABASE="$1" psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f "$2"; }

# ---------------------------------------------------------------------------------------------
# Build.

log "building tenantplan (release) into .build-bench"
cd "$ROOT"
built=0
for attempt in 1 2 3; do
    # The sources may be edited while we build; retry then.
    if swift build -c release --scratch-path .build-bench >"/tmp/tenantplan-bench-build.$$.log" 2>&1; then
        built=1; break
    fi
    if grep -q "modified during the build" "/tmp/tenantplan-bench-build.$$.log"; then
        log "  sources changed during the build; retrying ($attempt)"
        sleep 5
        continue
    fi
    tail -n 40 "/tmp/tenantplan-bench-build.$$.log" >&2
    die "swift build failed"
done
[[ $built -eq 1 ]] || { tail -n 40 "/tmp/tenantplan-bench-build.$$.log" >&2; die "swift build failed"; }
BIN_DIR="$(swift build -c release --scratch-path .build-bench --show-bin-path)"
rm -f "/tmp/tenantplan-bench-build.$$.log"

rm -rf "$WORK"
mkdir -p "$WORK/bin" "$LOGS"
# A private copy, so that a concurrent rebuild cannot swap the binary mid-run.
cp "$BIN_DIR/tenantplan" "$WORK/bin/tenantplan"
TP="$WORK/bin/tenantplan"
: >"$RESULTS"
record N "$N"; record M "$M"; record K "$K"
record date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
record command "$COMMAND_LINE"
record cpus "$(nproc 2>/dev/null || echo '?')"
git_rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain -- Sources Package.swift 2>/dev/null)" ]]; then
    git_rev="$git_rev + uncommitted changes"
fi
record git "$git_rev"

# ---------------------------------------------------------------------------------------------
# Inputs.

log "generating the bench schema and fleet files in $WORK"
python3 "$LIB" schema "$WORK/schema.yaml" "$WORK/schema-v2.yaml"
python3 "$LIB" tenants "$WORK/tenants-listed.yaml" "$N"
python3 "$LIB" discover "$WORK/tenants-discover.yaml"
python3 "$LIB" catalog-sql "$WORK/catalog.sql"
"$TP" validate --schema "$WORK/schema.yaml" --tenants "$WORK/tenants-listed.yaml" >"$LOGS/validate.log" 2>&1 \
    || { cat "$LOGS/validate.log" >&2; die "tenantplan validate rejected the bench schema"; }
"$TP" validate --schema "$WORK/schema-v2.yaml" --tenants "$WORK/tenants-discover.yaml" >>"$LOGS/validate.log" 2>&1 \
    || { cat "$LOGS/validate.log" >&2; die "tenantplan validate rejected the changed bench schema"; }

if [[ $SKIP_ALEMBIC -eq 0 ]]; then
    if [[ ! -x "$VENV/bin/alembic" ]]; then
        log "creating the Alembic venv in $VENV (pip install alembic sqlalchemy psycopg2-binary)"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q alembic sqlalchemy psycopg2-binary >"$LOGS/pip.log" 2>&1 \
            || { tail -n 20 "$LOGS/pip.log" >&2; die "pip install failed"; }
    fi
    python3 "$LIB" alembic-project "$WORK/alembic"
fi

if [[ $SKIP_MEMORY -eq 0 && ! -x /usr/bin/time ]]; then
    log "installing /usr/bin/time (Debian package 'time')"
    if command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then
        apt-get install -y time >"$LOGS/apt.log" 2>&1 \
            || { apt-get update >>"$LOGS/apt.log" 2>&1 && apt-get install -y time >>"$LOGS/apt.log" 2>&1; } \
            || die "cannot install the 'time' package; install it or pass --skip-memory"
    else
        die "/usr/bin/time is missing: install GNU time (apt-get install time) or pass --skip-memory"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Cluster.

CLUSTER="$(mktemp -d /tmp/tpbench.XXXXXX)"
cleanup() {
    local rc=$?
    log "stopping the cluster in $CLUSTER"
    "$ROOT/scripts/pg-cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting a throwaway PostgreSQL cluster in $CLUSTER"
# Enough connections for tenantplan's workers plus psql sessions.
eval "$("$ROOT/scripts/pg-cluster.sh" start "$CLUSTER" --owner-pid $$ \
    --set max_connections=400 --set max_locks_per_transaction=256)"
unset DATABASE_URL PGPASSWORD PGSERVICE PGOPTIONS
record pg_version "$(psql -X -At -c 'SHOW server_version')"
log "  PostgreSQL $(psql -X -At -c 'SHOW server_version'), max_connections $(psql -X -At -c 'SHOW max_connections')"

DB_TP=bench_tenantplan
DB_TP1=bench_tenantplan_p1
DB_PSQL=bench_psql
DB_ALEMBIC=bench_alembic
DB_MEM=bench_memory
for db in "$DB_TP" "$DB_TP1" "$DB_PSQL"; do createdb "$db"; done
[[ $SKIP_ALEMBIC -eq 1 ]] || createdb "$DB_ALEMBIC"
[[ $SKIP_MEMORY -eq 1 ]] || createdb "$DB_MEM"

# tp NAME DB ARGS...: a timed tenantplan run against DB, run from $WORK.
tp() { local name="$1" db="$2"; shift 2; timed "$name" env PGDATABASE="$db" "$TP" "$@"; }

# in_sync DB SCHEMA COUNT: a (untimed) re-plan must exit 0 with --detailed-exitcode, COUNT tenants in sync.
in_sync() {
    local db="$1" schema="$2" count="$3" rc=0
    in_db "$db" "$TP" plan --schema "$schema" --tenants "$WORK/tenants-discover.yaml" \
        --out "$WORK/check-$db.json" --detailed-exitcode >"$LOGS/check-$db.log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        tail -n 40 "$LOGS/check-$db.log" >&2
        die "re-plan of database $db is not all in sync (tenantplan plan --detailed-exitcode exited $rc)"
    fi
    python3 "$LIB" check-plan "$WORK/check-$db.json" --in-sync "$count"
}

cd "$WORK"

# ---------------------------------------------------------------------------------------------
# 1. Provisioning N tenants.

log "1. provisioning $N tenants with tenantplan (plan + apply, default parallelism) in $DB_TP"
tp prov_plan "$DB_TP" plan --schema schema.yaml --tenants tenants-listed.yaml --out plan-create.json
tp prov_apply "$DB_TP" apply plan-create.json
record prov_plan "$(seconds prov_plan)"
record prov_apply "$(seconds prov_apply)"
log "   checking the re-plan is all in sync"
in_sync "$DB_TP" schema.yaml "$N"

log "1. provisioning $N tenants with tenantplan (plan + apply --parallel 1) in $DB_TP1"
tp prov_plan_p1 "$DB_TP1" plan --schema schema.yaml --tenants tenants-listed.yaml --out plan-create-p1.json
tp prov_apply_p1 "$DB_TP1" apply plan-create-p1.json --parallel 1
record prov_plan_p1 "$(seconds prov_plan_p1)"
record prov_apply_p1 "$(seconds prov_apply_p1)"
in_sync "$DB_TP1" schema.yaml "$N"
dropdb "$DB_TP1"

log "1. provisioning $N tenants with plain psql (same DDL, one transaction per tenant, one session) in $DB_PSQL"
python3 "$LIB" plan-sql plan-create.json create.sql --kind create --count "$N"
timed prov_psql env PGDATABASE="$DB_PSQL" psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f create.sql
record prov_psql "$(seconds prov_psql)"
log "   checking the psql-provisioned tenants are in sync for tenantplan"
in_sync "$DB_PSQL" schema.yaml "$N"

# ---------------------------------------------------------------------------------------------
# 2. No-op plan over N in-sync tenants.

log "2. no-op plan over $N tenants (best of 2) vs raw catalog reads"
best_of2 noop_plan env PGDATABASE="$DB_TP" "$TP" plan --schema schema.yaml --tenants tenants-discover.yaml \
    --out plan-noop.json --detailed-exitcode
python3 "$LIB" check-plan plan-noop.json --in-sync "$N"
best_of2 noop_catalog env PGDATABASE="$DB_TP" psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f catalog.sql
record noop_plan "$(seconds noop_plan)"
record noop_plan_first "$(seconds noop_plan.1)"
record noop_catalog "$(seconds noop_catalog)"
record noop_plan_bytes "$(stat -c %s plan-noop.json)"

# ---------------------------------------------------------------------------------------------
# 3. Fleet change: + a column on every table, + one index.

# Best of two rounds on each side: the change is made once in each database and once
# in a copy of it taken before, tenantplan and psql taking turns, so that a slow
# moment of a shared machine does not decide the ratio.
log "3. fleet change on $N tenants: copying $DB_TP and $DB_PSQL for a second round"
createdb -T "$DB_TP" "${DB_TP}_2"
createdb -T "$DB_PSQL" "${DB_PSQL}_2"
for round in 1 2; do
    db="$DB_TP"; pdb="$DB_PSQL"
    if [[ $round -eq 2 ]]; then db="${DB_TP}_2"; pdb="${DB_PSQL}_2"; fi
    log "3. fleet change, round $round: tenantplan (plan + apply) in $db"
    tp "change_plan.$round" "$db" plan --schema schema-v2.yaml --tenants tenants-discover.yaml --out "plan-change-$round.json"
    tp "change_apply.$round" "$db" apply "plan-change-$round.json"
    log "   checking the re-plan is all in sync"
    in_sync "$db" schema-v2.yaml "$N"

    log "3. fleet change, round $round: plain psql (same ALTERs, one transaction per tenant, one session) in $pdb"
    [[ -f change.sql ]] || python3 "$LIB" plan-sql plan-change-1.json change.sql --kind change --count "$N"
    timed "change_psql.$round" env PGDATABASE="$pdb" psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f change.sql
    in_sync "$pdb" schema-v2.yaml "$N"
done
best="$(python3 -c 'import sys; t = [float(open(f"time.change_plan.{r}").read()) + float(open(f"time.change_apply.{r}").read()) for r in (1, 2)]; print(1 if t[0] <= t[1] else 2)')"
record change_plan "$(seconds "change_plan.$best")"
record change_apply "$(seconds "change_apply.$best")"
record change_psql "$(python3 -c 'print(min(float(open(f"time.change_psql.{r}").read()) for r in (1, 2)))')"
log "   best tenantplan round: $best; psql best of both"
dropdb "${DB_TP}_2"
dropdb "${DB_PSQL}_2"

if [[ $SKIP_ALEMBIC -eq 0 ]]; then
    log "3. Alembic recipe: provisioning $K tenants in $DB_ALEMBIC with psql, stamping 0001_base"
    python3 "$LIB" plan-sql plan-create.json create-alembic.sql --kind create --count "$K"
    psql_file "$DB_ALEMBIC" create-alembic.sql
    mapfile -t ALEMBIC_TENANTS < <(python3 -c 'import sys; print("\n".join(f"t_{i:04d}" for i in range(1, int(sys.argv[1]) + 1)))' "$K")
    # alembic-loop.sh ARGS...: `alembic -x tenant=T ARGS...`, one process per tenant, as users run it.
    cat >alembic-loop.sh <<EOF
#!/usr/bin/env bash
set -euo pipefail
cd "$WORK/alembic"
export PGDATABASE="$DB_ALEMBIC"
for tenant in ${ALEMBIC_TENANTS[*]}; do
    "$VENV/bin/alembic" -x "tenant=\$tenant" "\$@"
done
EOF
    chmod +x alembic-loop.sh
    timed alembic_stamp ./alembic-loop.sh stamp 0001_base
    log "3. Alembic: upgrade head, one process per tenant, $K tenants"
    timed alembic_upgrade ./alembic-loop.sh upgrade head
    log "3. Alembic: no-op upgrade head (already at head), $K tenants"
    timed alembic_noop ./alembic-loop.sh upgrade head
    added="$(in_db "$DB_ALEMBIC" psql -X -At -c "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 't\_%' AND a.attname = 'revision' AND c.relkind = 'r'")"
    [[ "$added" -eq $((20 * K)) ]] || die "Alembic added $added revision columns; expected $((20 * K))"
    per() { python3 -c 'import sys; print(float(sys.argv[1]) / int(sys.argv[2]))' "$1" "$2"; }
    record alembic_stamp_per_tenant "$(per "$(seconds alembic_stamp)" "$K")"
    record alembic_upgrade_per_tenant "$(per "$(seconds alembic_upgrade)" "$K")"
    record alembic_noop_per_tenant "$(per "$(seconds alembic_noop)" "$K")"
    dropdb "$DB_ALEMBIC"
fi

# ---------------------------------------------------------------------------------------------
# 4. Peak memory and plan size of a no-op plan at M tenants.

if [[ $SKIP_MEMORY -eq 0 ]]; then
    log "4. provisioning $M tenants in $DB_MEM with psql (the fast path; this takes a while)"
    python3 "$LIB" tenants tenants-memory.yaml "$M"
    CHUNK=500
    mem_start="$(python3 -c 'import time; print(time.perf_counter())')"
    done_count=0
    while [[ $done_count -lt $M ]]; do
        count=$((M - done_count < CHUNK ? M - done_count : CHUNK))
        python3 "$LIB" plan-sql plan-create.json create-chunk.sql --kind create --count "$count" --first $((done_count + 1))
        psql_file "$DB_MEM" create-chunk.sql
        done_count=$((done_count + count))
        python3 - "$mem_start" "$done_count" "$M" <<'EOF' >&2
import sys, time
start, done, total = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
elapsed = time.perf_counter() - start
rate = done / elapsed if elapsed > 0 else 0
eta = (total - done) / rate if rate > 0 else 0
print(f"[bench {time.strftime('%H:%M:%S')}]   provisioned {done}/{total} tenants ({rate:.0f}/s, ETA {eta:.0f} s)")
EOF
    done
    rm -f create-chunk.sql
    record mem_provision_psql "$(python3 -c 'import sys, time; print(time.perf_counter() - float(sys.argv[1]))' "$mem_start")"
    in_db "$DB_MEM" psql -X -q -c "VACUUM ANALYZE" >/dev/null

    log "4. no-op plan at $M tenants under /usr/bin/time -v (best of 2; peak RSS of both)"
    for run in 1 2; do
        timed "mem_plan.$run" env PGDATABASE="$DB_MEM" /usr/bin/time -v -o "mem-time-$run.txt" \
            "$TP" plan --schema schema.yaml --tenants tenants-discover.yaml --out plan-memory.json --detailed-exitcode
    done
    python3 "$LIB" check-plan plan-memory.json --in-sync "$M"
    rss1="$(python3 "$LIB" maxrss mem-time-1.txt)"
    rss2="$(python3 "$LIB" maxrss mem-time-2.txt)"
    record mem_rss_kib "$((rss1 > rss2 ? rss1 : rss2))"
    record mem_plan_first "$(seconds mem_plan.1)"
    record mem_plan_time "$(python3 -c 'import sys; print(min(float(open(p).read()) for p in sys.argv[1:]))' time.mem_plan.1 time.mem_plan.2)"
    record mem_plan_bytes "$(stat -c %s plan-memory.json)"
    log "   peak RSS $((rss1 > rss2 ? rss1 : rss2)) KiB, plan.json $(stat -c %s plan-memory.json) bytes"
    best_of2 mem_catalog env PGDATABASE="$DB_MEM" psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -f catalog.sql
    record mem_catalog "$(seconds mem_catalog)"
fi

# ---------------------------------------------------------------------------------------------
# Report.

log "results"
python3 "$LIB" report "$RESULTS" "$REPORT"
log "wrote $REPORT (raw figures in $RESULTS, logs in $LOGS)"
