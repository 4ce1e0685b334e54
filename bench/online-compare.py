#!/usr/bin/env python3
"""Side-by-side runs of bench/online.py's scenario for several tenantplan builds or flags.

bench/online.sh runs one build; this driver interleaves several (and the hand-written
SQL) run by run, each round starting with the next, so that a drift of the shared machine,
and whatever favours the first of a round, falls on all of them alike.
It needs a running server in the environment (PGHOST, PGPORT, PGUSER), for example:

    eval "$(scripts/pg-cluster.sh start /tmp/cmp)"
    psql -X -q -d postgres -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a: '" -c "SELECT pg_reload_conf()"
    bench/online-compare.py --log /tmp/cmp/postgres.log --kinds add_check,set_not_null --repeat 5 \\
        OLD_BINARY NEW_BINARY "NEW_BINARY:--parallel 2"

Each variant is a binary, optionally followed by `:` and flags for `apply`, and by a second
`:` and the `plan --online-threshold` for it (`BIN::0`: every tenant on the online form). It prints, per
kind and variant, the median and every run's longest application latency, the median p99,
the longest lock wait the application logged, and the median wall time.
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import online  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("variants", nargs="+")
    p.add_argument("--kinds", default="add_check,set_not_null")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--rows", type=int, default=2000000)
    p.add_argument("--window", type=float, default=6)
    p.add_argument("--log", required=True, help="the server's log file (for the application's lock waits)")
    p.add_argument("--work", default="/tmp/tenantplan-online-compare")
    p.add_argument("--pgbench", default="pgbench")
    a = p.parse_args()
    args = online.scenario(a.work, os.path.abspath(a.variants[0].partition(":")[0]), a.rows, server_log=a.log,
                           window=a.window, pgbench=a.pgbench)
    os.makedirs(args.work, exist_ok=True)
    online.build_base(args)
    runs = {}
    for kind in a.kinds.split(","):
        for i in range(a.repeat):
            # Each round starts with the next variant, so that the order favours none.
            order = ["hand"] + a.variants
            for variant in order[i % len(order):] + order[:i % len(order)]:
                db = f"compare_{kind}"
                online.copy_db(db)
                if variant == "hand":
                    r = online.run_hand(args, kind, db)
                else:
                    binary, _, rest = variant.partition(":")
                    flags, _, threshold = rest.partition(":")
                    args.tp = os.path.abspath(binary)   # `apply` runs in the kind's work directory
                    args.online_threshold = threshold or None
                    r = online.run_tool(args, kind, db, flags.split())
                    if not r["ok"]:
                        raise SystemExit(f"apply failed ({variant}): {r['stderr']}")
                app = r["app"]
                runs.setdefault((kind, variant), []).append(
                    (app["max"], app["p99"], app.get("lock_wait_max", 0.0), r["seconds"]))
                online.psql("postgres", f"DROP DATABASE {db}")
            print(f"{kind} run {i + 1} of {a.repeat} done", file=sys.stderr, flush=True)
    for (kind, variant), values in runs.items():
        longest, p99, waits, walls = zip(*values)
        print(f"{kind:14s} {variant:40s} app max median {statistics.median(longest) * 1000:5.1f} ms "
              f"(runs: {', '.join(f'{x * 1000:.1f}' for x in longest)}), p99 median {statistics.median(p99) * 1000:5.1f} ms, "
              f"longest lock wait {max(waits) * 1000:4.1f} ms, wall median {statistics.median(walls):.3f} s")


if __name__ == "__main__":
    main()
