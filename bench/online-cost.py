#!/usr/bin/env python3
"""What an online change costs the machine, without application load (run by hand).

bench/online.sh and bench/online-compare.py measure what the application feels; this measures
where the cores go. On bench/online.py's fleet (tenant `big` with --rows rows, 7 tenants of
1,000), for each kind it runs the hand-written online SQL and each tenantplan build given, taking
turns (each round starting with the next), each on a fresh copy, and prints per variant the median of:
  - machine busy: CPU seconds of the whole machine during the apply (/proc/stat, all processes:
    the server's backends and the client);
  - client CPU: the apply process's own (psql for the hand-written SQL);
  - wall time.
A variant is a binary, optionally followed by `:` and flags for `apply`, and by a second `:` and
the `plan --online-threshold` for it (`BIN::0`: every tenant on the online form), as in
bench/online-compare.py.
With --statements, one more apply of each variant logs every statement it sends
(log_min_duration_statement=0) and prints the server's time by statement and phase (parse, bind,
execute), from the server log given by --log: in all, in the changes' own DDL and in the rest
(reads, locks, notes), with the messages logged.

It needs a running server in the environment (PGHOST, PGPORT, PGUSER), for example:

    eval "$(scripts/pg-cluster.sh start /tmp/cost)"
    bench/online-cost.py --kinds add_check --repeat 7 --statements --log /tmp/cost/postgres.log BIN "BIN2::0"
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import online  # noqa: E402


def busy_seconds():
    fields = list(map(int, open("/proc/stat").readline().split()[1:]))
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def prepare(args, kind, db, v):
    online.copy_db(db)
    d = os.path.join(args.work, db)
    online.write_inputs(d, kind, args.small)
    env = dict(os.environ, PGDATABASE=db)
    if v:
        binary, _, threshold = online.variant(v)
        subprocess.run([binary, "plan", "--out", "plan.json", *online.threshold_flags(threshold)], cwd=d, env=env, check=True,
                       capture_output=True)
    online.psql(db, "CHECKPOINT")
    time.sleep(1)
    return d, env


def hand(args, kind, db, d):
    lines = ["SET lock_timeout = '200ms';"]
    for t in online.tenants(args.small):
        lines.append(f"SET search_path = {t};")
        lines += [s + ";" for s in online.hand_sql(kind, args.rows if t == "big" else online.SMALL_ROWS)]
    script = os.path.join(d, "hand.sql")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", script], check=True, capture_output=True)


def measured(run):
    r0, b0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), busy_seconds(), time.time()
    run()
    t1, b1, r1 = time.time(), busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    return b1 - b0, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime), t1 - t0


def statements(args, log, top, kind, v):
    db = f"cost_{kind}_log"
    d, env = prepare(args, kind, db, v)
    binary, flags, _ = online.variant(v)
    start = os.path.getsize(log)
    subprocess.run([binary, "apply", "plan.json", *flags], cwd=d, check=True, capture_output=True,
                   env=dict(env, PGOPTIONS="-c log_min_duration_statement=0"))
    time.sleep(0.5)
    with open(log) as f:
        f.seek(start)
        text = f.read()
    online.psql("postgres", f"DROP DATABASE {db}")
    totals = {}
    for ms, phase, sql in re.findall(r"duration: ([\d.]+) ms  (parse|bind|execute) [^:]*: (.{0,60})", text):
        key = (phase, sql.strip())
        count, total = totals.get(key, (0, 0.0))
        totals[key] = (count + 1, total + float(ms))
    ddl = sum(t for (_, sql), (_, t) in totals.items() if re.match(r"(ALTER|CREATE|DROP) ", sql))
    print(f"{kind} {os.path.basename(v)}: the server's time for one apply's statements, "
          f"{sum(t for _, t in totals.values()):.1f} ms in all ({ddl:.1f} ms in the changes' own DDL, "
          f"{sum(t for _, t in totals.values()) - ddl:.1f} ms in the rest), "
          f"{sum(c for c, _ in totals.values())} messages")
    for (phase, sql), (count, total) in sorted(totals.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"  {total:8.2f} ms {count:4d}x {phase:7s} {sql}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("variants", nargs="+", metavar="BIN[:APPLY_FLAGS[:THRESHOLD]]")
    p.add_argument("--kinds", default="add_check,set_not_null")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--rows", type=int, default=2000000)
    p.add_argument("--small", type=int, default=7)
    p.add_argument("--work", default="/tmp/tenantplan-online-cost")
    p.add_argument("--statements", action="store_true")
    p.add_argument("--log", help="the server's log file (for --statements)")
    p.add_argument("--top", type=int, default=20)
    a = p.parse_args()
    if a.statements and not a.log:
        p.error("--statements needs --log")
    args = online.scenario(a.work, online.variant(a.variants[0])[0], a.rows, small=a.small, server_log=a.log)
    os.makedirs(args.work, exist_ok=True)
    online.build_base(args)
    variants = ["hand"] + a.variants
    for kind in a.kinds.split(","):
        runs = {v: [] for v in variants}
        for i in range(a.repeat):
            for v in online.turned(variants, i):
                db = f"cost_{kind}"
                d, env = prepare(args, kind, db, None if v == "hand" else v)
                if v == "hand":
                    runs[v].append(measured(lambda: hand(args, kind, db, d)))
                else:
                    binary, flags, _ = online.variant(v)
                    runs[v].append(measured(lambda: subprocess.run([binary, "apply", "plan.json", *flags], cwd=d,
                                                                   env=env, check=True, capture_output=True)))
                online.psql("postgres", f"DROP DATABASE {db}")
        for v, values in runs.items():
            busy, client, wall = (statistics.median(x) for x in zip(*values))
            print(f"{kind:14s} {os.path.basename(v):28s} machine busy {busy:.3f} s, client CPU {client:.3f} s, "
                  f"wall {wall:.3f} s (median of {len(values)})", flush=True)
        if a.statements:
            for v in a.variants:
                statements(args, a.log, a.top, kind, v)


if __name__ == "__main__":
    main()
