#!/usr/bin/env python3
"""How long each of `apply`'s transactions holds the lock its DDL took (run by hand).

On bench/online.py's fleet and load (tenant `big` with --rows rows, 7 tenants of 1,000 rows,
pgbench 8 clients at 150 tx/s), for each kind and run: a fresh copy, `plan`, then `apply` under
the load with the server logging every statement `apply` sends (log_min_duration_statement=0). From the server log it prints the
application's longest wait and, for each transaction of `apply` that ran a DDL statement in a
transaction (not CREATE INDEX CONCURRENTLY), the time from that statement's start to its
COMMIT's end, the server's time inside that span, and the messages logged (parse, bind and
execute of each statement): what the application may wait for on that tenant's table. (A
VALIDATE CONSTRAINT holds SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes; the
others block writes, and ALTER TABLE's ACCESS EXCLUSIVE reads too.)

It needs a running server in the environment (PGHOST, PGPORT, PGUSER) whose log lines begin
with '%m [%p] %a: ', for example:

    eval "$(scripts/pg-cluster.sh start /tmp/holds --set "log_line_prefix='%m [%p] %a: '")"
    bench/lock-holds.py --log /tmp/holds/postgres.log --kinds add_check,add_index --repeat 3 "BIN::0"
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import online  # noqa: E402

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \S+ \[(\d+)\] ([^:]*): LOG:  duration: ([\d.]+) ms  "
                  r"(\w+)(?: [^:]*)?: (.*)$")
DDL = re.compile(r"(ALTER TABLE|ALTER DOMAIN|CREATE (UNIQUE )?INDEX|DROP INDEX)")


def holds(log, offset):
    """(pid, hold, server time, messages, first statement) per DDL transaction of `apply`."""
    sessions = {}
    with open(log, errors="replace") as f:
        f.seek(offset)
        for line in f:
            m = LINE.match(line)
            if not m or m.group(3) == online.APP_NAME:
                continue
            end, took = online.log_seconds(m.group(1)), float(m.group(4)) / 1000
            sessions.setdefault(m.group(2), []).append((end - took, end, m.group(5), m.group(6)))
    found = []
    for pid, entries in sessions.items():
        i = 0
        while i < len(entries):
            start, _, phase, text = entries[i]
            if phase in ("execute", "statement") and DDL.match(text) and "CONCURRENTLY" not in text:
                j = i
                while j < len(entries) and not (entries[j][3].startswith("COMMIT") and entries[j][2] in ("execute", "statement")):
                    j += 1
                if j < len(entries):
                    span = entries[i:j + 1]
                    found.append((pid, entries[j][1] - start, sum(e[1] - e[0] for e in span), len(span), text[:60]))
                i = j
            i += 1
    return found


def main():
    p = argparse.ArgumentParser()
    p.add_argument("variant", metavar="BIN[:APPLY_FLAGS[:THRESHOLD]]",
                   help="as bench/online-compare.py's: `BIN::0` plans with --online-threshold 0")
    p.add_argument("--log", required=True, help="the server's log file")
    p.add_argument("--kinds", default="add_check")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rows", type=int, default=2000000)
    p.add_argument("--window", type=float, default=6)
    p.add_argument("--work", default="/tmp/tenantplan-lock-holds")
    a = p.parse_args()
    args = online.scenario(a.work, None, a.rows, server_log=a.log, window=a.window)
    args.tp, flags, args.online_threshold = online.variant(a.variant)
    args.log_tool_statements = True
    os.makedirs(args.work, exist_ok=True)
    online.build_base(args)
    for kind in a.kinds.split(","):
        for run in range(a.repeat):
            online.copy_db("holds")
            offset = os.path.getsize(a.log)
            r = online.run_tool(args, kind, "holds", flags)
            if not r["ok"]:
                raise SystemExit(f"apply failed: {r['stderr']}")
            app = r["app"]
            print(f"{kind} run {run + 1}: apply {r['seconds']:.3f} s; application's longest wait "
                  f"{app['max'] * 1000:.1f} ms (on big {app['max_big'] * 1000:.1f}, on small tenants "
                  f"{app['max_small'] * 1000:.1f}), p99 {app['p99'] * 1000:.1f} ms", flush=True)
            for pid, hold, busy, messages, text in sorted(holds(a.log, offset), key=lambda h: -h[1]):
                print(f"    backend {pid}: held {hold * 1000:7.2f} ms, server {busy * 1000:7.2f} ms, "
                      f"{messages:3d} messages: {text}")
            online.psql("postgres", "DROP DATABASE holds")


if __name__ == "__main__":
    main()
