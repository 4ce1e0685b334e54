#!/usr/bin/env bash
# Fuzzes tenantplan's input parsers (schema.yaml, tenants.yaml, plan.json) with
# thousands of mutated inputs run through the built binary; see scripts/fuzz/fuzz.py.
#
#   scripts/fuzz.sh [--count N] [--seed S] [--timeout SECONDS] [--jobs J] [--no-save] [--keep DIR]
#
# Builds the tenantplan executable first (debug; TENANTPLAN_BINARY skips the build
# and uses that binary). Exits 0 when every input exited 0 or 1 in time with an
# error message; otherwise saves the failing inputs under Tests/Fixtures/fuzz/
# (where `swift test --filter FuzzRegressionTests` replays them) and exits 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -n "${TENANTPLAN_BINARY:-}" ]]; then
    binary="$TENANTPLAN_BINARY"
else
    swift build --product tenantplan >&2
    binary="$(swift build --show-bin-path)/tenantplan"
fi
exec python3 scripts/fuzz/fuzz.py --binary "$binary" "$@"
