#!/usr/bin/env python3
"""Side-by-side runs of bench/online.py's scenario for several tenantplan builds or flags.

bench/online.sh runs one build; this driver interleaves several (and the hand-written
SQL) run by run, each round starting with the next, so that a drift of the shared machine,
and whatever favours the first of a round, falls on all of them alike.
It needs a running server in the environment (PGHOST, PGPORT, PGUSER), for example:

    eval "$(scripts/pg-cluster.sh start /tmp/cmp --set "log_line_prefix='%m [%p] %a: '")"
    bench/online-compare.py --log /tmp/cmp/postgres.log --kinds add_check,set_not_null --repeat 5 \\
        OLD_BINARY NEW_BINARY "NEW_BINARY:--parallel 2"

Each variant is a binary, optionally followed by `:` and flags for `apply`, and by a second
`:` and the `plan --online-threshold` for it (`BIN::0`: every tenant on the online form). It prints, per
kind and variant, the median and every run's longest application latency, the median p99,
the longest lock wait the application logged, the median wall time and the application's
failed transactions over all runs; then, per kind and
build, the ratios of those medians to the hand-written SQL's, each with a 90% bootstrap interval
(how far the few runs let the ratio move).
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
    args = online.scenario(a.work, online.variant(a.variants[0])[0], a.rows, server_log=a.log,
                           window=a.window, pgbench=a.pgbench)
    os.makedirs(args.work, exist_ok=True)
    online.build_base(args)
    runs = {}
    for kind in a.kinds.split(","):
        for i in range(a.repeat):
            for variant in online.turned(["hand"] + a.variants, i):
                db = f"compare_{kind}"
                online.copy_db(db)
                if variant == "hand":
                    r = online.run_hand(args, kind, db)
                else:
                    args.tp, flags, args.online_threshold = online.variant(variant)
                    r = online.run_tool(args, kind, db, flags)
                    if not r["ok"]:
                        raise SystemExit(f"apply failed ({variant}): {r['stderr']}")
                app = r["app"]
                runs.setdefault((kind, variant), []).append(
                    (app["max"], app["p99"], app.get("lock_wait_max", 0.0), r["seconds"],
                     r["pgbench_errors"] + app["failed"]))
                online.psql("postgres", f"DROP DATABASE {db}")
            print(f"{kind} run {i + 1} of {a.repeat} done", file=sys.stderr, flush=True)
    for (kind, variant), values in runs.items():
        longest, p99, waits, walls, errors = zip(*values)
        print(f"{kind:14s} {variant:40s} app max median {statistics.median(longest) * 1000:5.1f} ms "
              f"(runs: {', '.join(f'{x * 1000:.1f}' for x in longest)}), p99 median {statistics.median(p99) * 1000:5.1f} ms, "
              f"longest lock wait {max(waits) * 1000:4.1f} ms, wall median {statistics.median(walls):.3f} s, "
              f"app errors {sum(errors)}")
    # How sure the ratios are: a few runs of a longest wait of milliseconds spread widely.
    print()
    for (kind, variant), values in runs.items():
        hand = runs.get((kind, "hand"))
        if variant == "hand" or not hand:
            continue
        for name, index in (("app max", 0), ("app p99", 1), ("wall", 3)):
            ratio, low, high = ratio_interval([v[index] for v in values], [h[index] for h in hand])
            print(f"{kind:14s} {variant:40s} {name} / hand's: {ratio:.2f}x (90% interval {low:.2f}-{high:.2f}x)")


def ratio_interval(tool, hand, rounds=4000, seed=11):
    """The ratio of the medians, and a 90% bootstrap interval for it: both sides' runs drawn
    again with replacement, `rounds` times (a fixed seed: the same runs print the same)."""
    import random
    draw = random.Random(seed)
    ratios = []
    for _ in range(rounds):
        t = statistics.median(draw.choices(tool, k=len(tool)))
        h = statistics.median(draw.choices(hand, k=len(hand)))
        if h > 0:
            ratios.append(t / h)
    ratios.sort()
    hand_median = statistics.median(hand)
    ratio = statistics.median(tool) / hand_median if hand_median > 0 else float("nan")
    if not ratios:
        return ratio, float("nan"), float("nan")
    return ratio, ratios[int(0.05 * (len(ratios) - 1))], ratios[int(0.95 * (len(ratios) - 1))]


if __name__ == "__main__":
    main()
