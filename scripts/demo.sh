#!/usr/bin/env bash
# The README's demo: plan, apply and plan again the example fleet (schema.yaml,
# tenants.yaml) on a throwaway local PostgreSQL that this script starts and stops.
#
#   scripts/demo.sh
#
# Needs only what a fresh machine has: Swift, PostgreSQL 15 server binaries, libpq-dev.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "==> building tenantplan"
swift build -c release --product tenantplan 2>&1 | tail -n 1
bin="$root/.build/release/tenantplan"

cluster="$(mktemp -d /tmp/tenantplan-demo.XXXXXX)"
rmdir "$cluster"
work=""
cleanup() {
    "$root/scripts/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
    [[ -n "$work" ]] && rm -rf "$work"
}
trap cleanup EXIT
echo "==> starting a throwaway PostgreSQL in $cluster"
eval "$(scripts/pg-cluster.sh start "$cluster")"
export PGHOST PGPORT PGUSER PGDATABASE
unset DATABASE_URL

work="$(mktemp -d /tmp/tenantplan-demo-work.XXXXXX)"
cp schema.yaml tenants.yaml "$work/"
cd "$work"

echo
echo "==> tenantplan validate"
"$bin" validate
echo
echo "==> tenantplan plan            (nothing exists yet: every tenant is created)"
"$bin" plan
echo
echo "==> tenantplan apply plan.json"
"$bin" apply plan.json
echo
echo "==> tenantplan plan --detailed-exitcode   (again: every tenant in sync, exit 0)"
status=0
"$bin" plan --detailed-exitcode || status=$?
echo "exit code: $status"
exit "$status"
