#!/usr/bin/env bash
# The README's demo, on a throwaway local PostgreSQL that this script starts and
# stops: create the example fleet (schema.yaml, tenants.yaml), change it, hold
# back a destructive change, and provision a new tenant at "sign-up".
#
#   scripts/demo.sh
#
# Needs only what a fresh machine has: Swift, PostgreSQL 15 server binaries,
# libpq-dev. Works as root (the server then runs as `postgres`). Whatever
# happens, the server and the scratch folder are removed at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cluster=""
work=""
cleanup() {
    [[ -n "$cluster" ]] && "$root/scripts/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
    [[ -n "$work" ]] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n==> %s\n' "$*"; }

# Runs tenantplan and prints its exit code when it is not 0.
run() {
    local status=0
    "$bin" "$@" || status=$?
    if [[ "$status" -ne 0 ]]; then echo "exit code: $status"; fi
    return "$status"
}

# Rewrites schema.yaml through an awk program; fails if the edit did not apply
# (the example schema.yaml no longer has the lines the demo edits).
edit_schema() {
    awk "$1" schema.yaml > schema.yaml.new
    if cmp -s schema.yaml schema.yaml.new; then
        echo "demo: could not $2 in schema.yaml" >&2
        exit 1
    fi
    diff -u schema.yaml schema.yaml.new | tail -n +3 | grep '^[-+]' || true
    mv schema.yaml.new schema.yaml
}

step "building tenantplan (release; a first build compiles for a minute or two)"
swift build -c release --product tenantplan
bin="$root/.build/release/tenantplan"

cluster="$(mktemp -d /tmp/tenantplan-demo.XXXXXX)"
step "starting a throwaway PostgreSQL in $cluster"
# --owner-pid: should this script be killed outright, the server (and the
# scratch folder in its directory) goes too.
eval "$(scripts/pg-cluster.sh start "$cluster" --owner-pid $$)"
export PGHOST PGPORT PGUSER PGDATABASE
unset DATABASE_URL

# The scratch folder lives in the cluster's directory, which goes with it.
work="$cluster/demo"
mkdir "$work"
cp schema.yaml tenants.yaml "$work/"
cd "$work"

step "tenantplan validate"
run validate

step "tenantplan plan            (nothing exists yet: every tenant is created)"
run plan

step "tenantplan apply plan.json"
run apply plan.json

step "tenantplan plan --detailed-exitcode   (again: every tenant in sync, exit 0)"
run plan --detailed-exitcode

step "a change for every tenant: a column and an index in schema.yaml"
edit_schema '{ print }
    /^      note: / { print "      coupon:      { type: text }" }
    /^      orders_customer_id_idx: / { print "      orders_coupon_idx: { columns: [coupon] }" }' \
    "add column orders.coupon and index orders_coupon_idx"

step "tenantplan plan"
run plan

step "tenantplan show plan.json   (the plan to review, with its SQL)"
run show plan.json

step "tenantplan apply plan.json"
run apply plan.json

step "a destructive change: column orders.note removed from schema.yaml"
edit_schema '!/^      note: /' "remove column orders.note"

step "tenantplan plan   (the drop loses data: it is held back, and the column kept)"
run plan

step "tenantplan plan --allow column:orders.note --out drop.json   (allows that one drop; not applied here)"
run plan --allow column:orders.note --out drop.json

step "sign-up: tenant umbrella listed in tenants.yaml, then tenantplan provision umbrella"
echo "  - umbrella" >> tenants.yaml
run provision umbrella

step "tenantplan provision umbrella --format json   (again: already provisioned, exit 0)"
run provision umbrella --format json

step "tenantplan plan --detailed-exitcode   (every tenant, umbrella too, in the declared state: exit 0)"
run plan --detailed-exitcode
