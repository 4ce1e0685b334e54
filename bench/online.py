#!/usr/bin/env python3
"""Online-apply benchmark driver for bench/online.sh (standard library only).

For each change kind, two identical copies of a fleet (one tenant `big` with a
big `items` table, K small tenants) are changed under the same pgbench load:
one by `tenantplan apply` (default flags), one by the hand-written online SQL
(CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE, ..., each statement under a
200 ms lock_timeout, retried about every second). The application's latency is
read from pgbench's per-transaction log, for the transactions that ended while
the change ran. Then the long-reader scenario: a reader keeps a transaction open
on big.items while an instant ADD COLUMN is applied, with the default flags and
with the old ones (--lock-timeout 5s --retries 3).

    online.py run --tp BIN --pgbench BIN --work DIR --rows N --small K
                  --clients C --rate R --reader S --kinds k1,k2,... --out FILE --command-line TEXT
"""
import calendar
import json
import os
import re
import statistics
import subprocess
import sys
import time

BASE = """version: 1
tables:
  accounts:
    columns:
      id: { type: bigint, nullable: false }
      name: { type: text }
    primary_key: [id]
  items:
    columns:
      id: { type: integer, nullable: false }
      account_id: { type: bigint }
      qty: { type: integer }
      code: { type: text }
    primary_key: [id]
"""

ACCOUNTS = 1000
SMALL_ROWS = 1000


def declaration(kind):
    b = BASE
    if kind == "add_index":
        return b + "    indexes:\n      items_qty_idx: { columns: [qty] }\n"
    if kind == "add_unique":
        return b + "    unique:\n      items_code_key: [code]\n"
    if kind == "add_volatile_column":
        return b.replace("      code: { type: text }\n",
                         "      code: { type: text }\n      added_at: { type: timestamptz, default: clock_timestamp() }\n")
    if kind == "add_fk":
        return b + ("    foreign_keys:\n      items_account_id_fkey:\n        columns: [account_id]\n"
                    "        references: { table: accounts, columns: [id] }\n")
    if kind == "add_check":
        return b + "    checks:\n      items_qty_check: \"qty >= 0\"\n"
    if kind == "set_not_null":
        return b.replace("qty: { type: integer }", "qty: { type: integer, nullable: false }")
    if kind == "int_to_bigint":
        return b.replace("      id: { type: integer, nullable: false }", "      id: { type: bigint, nullable: false }")
    if kind == "add_column":
        return b.replace("      code: { type: text }\n", "      code: { type: text }\n      note: { type: text }\n")
    raise SystemExit(f"unknown kind {kind}")


def hand_sql(kind, rows):
    """The hand-written online form: a list of (statement, in_transaction) per tenant."""
    if kind == "add_index":
        return ["CREATE INDEX CONCURRENTLY items_qty_idx ON items (qty)"]
    if kind == "add_unique":
        return ["CREATE UNIQUE INDEX CONCURRENTLY items_code_key ON items (code)",
                "ALTER TABLE items ADD CONSTRAINT items_code_key UNIQUE USING INDEX items_code_key"]
    if kind == "add_volatile_column":
        batch = 20000
        steps = ["ALTER TABLE items ADD COLUMN added_at timestamptz",
                 "ALTER TABLE items ALTER COLUMN added_at SET DEFAULT clock_timestamp()"]
        for lo in range(1, max(rows, SMALL_ROWS) + 1, batch):
            steps.append(f"UPDATE items SET added_at = clock_timestamp() WHERE id BETWEEN {lo} AND {lo + batch - 1} AND added_at IS NULL")
        steps.append("UPDATE items SET added_at = clock_timestamp() WHERE added_at IS NULL")
        return steps
    if kind == "add_fk":
        return ["ALTER TABLE items ADD CONSTRAINT items_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID",
                "ALTER TABLE items VALIDATE CONSTRAINT items_account_id_fkey"]
    if kind == "add_check":
        return ["ALTER TABLE items ADD CONSTRAINT items_qty_check CHECK (qty >= 0) NOT VALID",
                "ALTER TABLE items VALIDATE CONSTRAINT items_qty_check"]
    if kind == "set_not_null":
        return ["ALTER TABLE items ADD CONSTRAINT items_qty_not_null CHECK (qty IS NOT NULL) NOT VALID",
                "ALTER TABLE items VALIDATE CONSTRAINT items_qty_not_null",
                "ALTER TABLE items ALTER COLUMN qty SET NOT NULL",
                "ALTER TABLE items DROP CONSTRAINT items_qty_not_null"]
    if kind == "int_to_bigint":
        # No online form short of a shadow column, triggers and a swap: the plain rewrite.
        return ["ALTER TABLE items ALTER COLUMN id TYPE bigint"]
    if kind == "add_column":
        return ["ALTER TABLE items ADD COLUMN note text"]
    raise SystemExit(f"unknown kind {kind}")


def psql(db, sql, check=True):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                          capture_output=True, text=True, check=check)


def tenants(small):
    return ["big"] + [f"small{i:02d}" for i in range(1, small + 1)]


def write_inputs(directory, kind, small):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "schema.yaml"), "w") as f:
        f.write(declaration(kind))
    with open(os.path.join(directory, "tenants.yaml"), "w") as f:
        f.write("version: 1\ntenants:\n" + "".join(f"  - {t}\n" for t in tenants(small)))


def scenario(work, tp, rows, small=7, server_log=None, window=6.0, pgbench="pgbench"):
    """The settings `run` takes from its command line, for the drivers that reuse its scenario
    (online-compare.py, online-cost.py): the default load, no reader, the tool's threshold."""
    import types
    return types.SimpleNamespace(work=work, tp=tp, small=small, rows=rows, clients=8, rate=150, reader=0,
                                 online_threshold=None, server_log=server_log, window=window,
                                 log_tool_statements=False, pgbench=pgbench)


def build_base(args):
    """Database `base`: the fleet in the BASE state, with rows."""
    psql("postgres", "DROP DATABASE IF EXISTS base")
    psql("postgres", "CREATE DATABASE base")
    d = os.path.join(args.work, "base")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "schema.yaml"), "w") as f:
        f.write(BASE)
    with open(os.path.join(d, "tenants.yaml"), "w") as f:
        f.write("version: 1\ntenants:\n" + "".join(f"  - {t}\n" for t in tenants(args.small)))
    env = dict(os.environ, PGDATABASE="base")
    subprocess.run([args.tp, "plan", "--out", "plan.json"], cwd=d, env=env, check=True, capture_output=True)
    subprocess.run([args.tp, "apply", "plan.json"], cwd=d, env=env, check=True, capture_output=True)
    for t in tenants(args.small):
        rows = args.rows if t == "big" else SMALL_ROWS
        psql("base", f"""
            INSERT INTO {t}.accounts SELECT g, 'a' || g FROM generate_series(1, {ACCOUNTS}) g;
            INSERT INTO {t}.items SELECT g, 1 + g % {ACCOUNTS}, g % 7, 'c' || g FROM generate_series(1, {rows}) g;
            ANALYZE {t}.accounts; ANALYZE {t}.items;""")


def copy_db(name):
    psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    psql("postgres", f"CREATE DATABASE {name} TEMPLATE base")


def pgbench_scripts(directory, args):
    """One script per tenant; `big` gets half the load."""
    paths = []
    for t in tenants(args.small):
        rows = args.rows if t == "big" else SMALL_ROWS
        path = os.path.join(directory, f"load-{t}.sql")
        with open(path, "w") as f:
            f.write(f"""\\set acc random(1, {ACCOUNTS})
\\set other random(1, {rows})
\\set nid random(100000000, 2000000000)
BEGIN;
UPDATE {t}.accounts SET name = name WHERE id = :acc;
INSERT INTO {t}.items (id, account_id, qty, code) VALUES (:nid, :acc, 1, 'L' || :nid) ON CONFLICT DO NOTHING;
UPDATE {t}.items SET qty = qty + 1 WHERE id = :other;
SELECT qty FROM {t}.items WHERE id = :other;
END;
""")
        weight = max(1, args.small) if t == "big" else 1
        paths.append(f"{path}@{weight}")
    return paths


class Load:
    """pgbench against `db` for `seconds`, logging every transaction."""

    def __init__(self, args, db, directory, seconds):
        self.directory = directory
        self.args_log = args.server_log
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.startswith("txlog"):
                os.remove(os.path.join(directory, name))
        argv = [args.pgbench, "-n", "-c", str(args.clients), "-j", "2", "-R", str(args.rate), "-T", str(int(seconds)),
                "-l", "--log-prefix", os.path.join(directory, "txlog"), "--failures-detailed"]
        for s in pgbench_scripts(directory, args):
            argv += ["-f", s]
        argv.append(db)
        self.out = open(os.path.join(directory, "pgbench.out"), "w")
        self.log_offset = server_log_size(args)
        # The application's sessions log each lock wait past 1 ms and its end (see `lock_waits`).
        env = dict(os.environ, PGAPPNAME=APP_NAME, PGOPTIONS="-c deadlock_timeout=1ms -c log_lock_waits=on")
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT, text=True, env=env)
        self.started = time.time()

    def finish(self):
        rc = self.proc.wait()
        self.out.close()
        text = open(os.path.join(self.directory, "pgbench.out")).read()
        entries = []
        for name in os.listdir(self.directory):
            if not name.startswith("txlog"):
                continue
            for line in open(os.path.join(self.directory, name)):
                parts = line.split()
                if len(parts) < 6:
                    continue
                latency = parts[2]
                end = int(parts[4]) + int(parts[5]) / 1e6
                # "failed", "skipped", or with --failures-detailed the kind: "serialization", "deadlock".
                failed = not latency.isdigit()
                # Script 0 is `big`'s (see `pgbench_scripts`), the others the small tenants'.
                entries.append((end, None if failed else int(latency) / 1e6, failed, parts[3] == "0"))
        failed = 0
        for line in text.splitlines():
            if line.startswith("number of failed transactions:"):
                failed = int(line.split(":")[1].split()[0])
        aborted = "aborted" in text
        return Result(entries, failed + (1 if aborted or rc not in (0,) else 0), text,
                      lock_waits(self.args_log, self.log_offset))


APP_NAME = "online-bench-app"
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC \[(\d+)\] ([^:]*): LOG:  process \d+ "
                      r"(acquired|still waiting for) (\S+) on (.*?) after ([\d.]+) ms")


def server_log_size(args):
    try:
        return os.path.getsize(args.server_log) if args.server_log else 0
    except OSError:
        return 0


def lock_waits(path, offset):
    """The application's lock waits logged since `offset`: (end time, seconds, what), from
    `log_lock_waits` with the application's own deadlock_timeout of 1 ms. A wait that never
    ended in `acquired` (the session was cancelled or failed) counts up to its last report."""
    if not path:
        return None
    waits, open_ = [], {}
    with open(path, errors="replace") as f:
        f.seek(offset)
        for line in f:
            m = LOG_LINE.match(line)
            if not m or m.group(3) != APP_NAME:
                continue
            stamp = log_seconds(m.group(1))
            pid, seconds = m.group(2), float(m.group(7)) / 1000
            if m.group(4) == "acquired":
                open_.pop(pid, None)
                waits.append((stamp, seconds, f"{m.group(5)} on {m.group(6)}"))
            else:
                open_[pid] = (stamp, seconds, f"{m.group(5)} on {m.group(6)} (never acquired)")
    return waits + list(open_.values())


class Result:
    def __init__(self, entries, errors, text, waits=None):
        self.entries = entries
        self.errors = errors
        self.text = text
        self.waits = waits

    def window(self, start, end):
        inside = [(l, big) for (e, l, failed, big) in self.entries if start <= e <= end + 0.5 and l is not None]
        lat = sorted(l for (l, _) in inside)
        failed = sum(1 for (e, l, f, _) in self.entries if start <= e <= end + 0.5 and f)
        if not lat:
            return {"n": 0, "max": 0.0, "p99": 0.0, "failed": failed, "max_big": 0.0, "max_small": 0.0,
                    "lock_wait_max": 0.0, "lock_waits": 0}
        p99 = lat[min(len(lat) - 1, int(round((len(lat) - 1) * 0.99)))]
        # Where the longest wait was: on `big` (the online form) or a small tenant (one transaction).
        max_big = max((l for (l, big) in inside if big), default=0.0)
        max_small = max((l for (l, big) in inside if not big), default=0.0)
        stats = {"n": len(lat), "max": lat[-1], "p99": p99, "median": statistics.median(lat), "failed": failed,
                 "max_big": max_big, "max_small": max_small}
        if self.waits is not None:
            # Lock waits that ended in the window, or began in it (a wait reported at its end).
            inside_waits = [(s, w, what) for (s, w, what) in self.waits if start <= s <= end + 0.5]
            longest = max(inside_waits, key=lambda x: x[1], default=(0, 0.0, ""))
            stats["lock_wait_max"] = longest[1]
            stats["lock_wait_what"] = longest[2]
            stats["lock_waits"] = len(inside_waits)
        return stats


def window_seconds(args):
    """How long the load runs: room for the slowest kinds (a rewrite, a backfill), unless `--window`."""
    return args.window or 4 + 10 + args.rows / 40000


def run_tool(args, kind, db, flags=(), reader=0.0):
    d = os.path.join(args.work, f"{db}")
    write_inputs(d, kind, args.small)
    env = dict(os.environ, PGDATABASE=db)
    subprocess.run([args.tp, "plan", "--out", "plan.json", *threshold_flags(args.online_threshold)], cwd=d, env=env, check=True, capture_output=True)
    plan = json.load(open(os.path.join(d, "plan.json")))
    ops = sorted({c["op"] for s in plan["change_sets"] for c in s["changes"]})
    load = Load(args, db, os.path.join(d, "load"), window_seconds(args) + reader)
    time.sleep(2)
    reader_thread = None
    reader_ended = []
    if reader:
        def hold():
            subprocess.run(["psql", "-X", "-q", "-d", db, "-c",
                            f"BEGIN; SELECT count(*) FROM big.items; SELECT pg_sleep({reader}); COMMIT;"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            reader_ended.append(time.time())
        import threading
        reader_thread = threading.Thread(target=hold)
        reader_thread.start()
        time.sleep(0.5)
    start = time.time()
    apply_env = dict(env, PGOPTIONS="-c log_min_duration_statement=0") if args.log_tool_statements else env
    applied = subprocess.run([args.tp, "apply", "plan.json", "--format", "json", *flags], cwd=d, env=apply_env,
                             capture_output=True, text=True)
    end = time.time()
    reader_end = None
    if reader_thread:
        reader_thread.join()
        reader_end = reader_ended[0]
    result = load.finish()
    report = json.loads(applied.stdout) if applied.stdout.strip().startswith("{") else {}
    timeouts = sum(r.get("lock_timeouts") or 0 for r in report.get("results", []))
    stats = result.window(start - (0.5 if reader else 0), end)
    if end > load.started + window_seconds(args) + reader:
        stats["note"] = "apply outlasted the load"
    return {"seconds": end - start, "ok": applied.returncode == 0, "ops": ops, "lock_timeouts": timeouts,
            "app": stats, "pgbench_errors": result.errors, "stderr": applied.stderr[-2000:],
            "reader_end": reader_end, "end": end}


def run_hand(args, kind, db):
    d = os.path.join(args.work, f"{db}")
    os.makedirs(d, exist_ok=True)
    load = Load(args, db, os.path.join(d, "load"), window_seconds(args))
    time.sleep(2)
    steps = [(t, statement) for t in tenants(args.small)
             for statement in hand_sql(kind, args.rows if t == "big" else SMALL_ROWS)]
    start = time.time()
    retries = 0
    done = 0
    while done < len(steps):
        # One psql session runs the rest, each statement in a transaction of its own
        # (CONCURRENTLY refuses a transaction block); -a echoes each one as it is sent,
        # so a lock timeout is retried from the statement that met it.
        lines = ["SET lock_timeout = '200ms';"]
        tenant = None
        for t, statement in steps[done:]:
            if t != tenant:
                lines.append(f"SET search_path = {t};")
                tenant = t
            lines.append(statement + ";")
        script = os.path.join(d, "hand.sql")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        p = subprocess.run(["psql", "-X", "-q", "-a", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", script],
                           capture_output=True, text=True)
        sent = [line for line in p.stdout.splitlines() if line.rstrip(";") in {st for _, st in steps}]
        if p.returncode == 0:
            break
        failed_at = done + len(sent) - 1
        if "lock timeout" not in p.stderr or failed_at < done:
            raise SystemExit(f"hand-written SQL failed: {steps[max(done, failed_at)]}\n{p.stderr}")
        retries += 1
        done = failed_at
        time.sleep(0.5 + 0.5 * (time.time() % 1))
    end = time.time()
    result = load.finish()
    return {"seconds": end - start, "app": result.window(start, end), "pgbench_errors": result.errors,
            "lock_timeouts": retries}


def threshold_flags(threshold):
    """`--online-threshold` for the plans of the change kinds, when given."""
    return ["--online-threshold", threshold] if threshold else []


def variant(text):
    """A variant of the drivers that reuse this scenario, `BIN[:APPLY_FLAGS[:THRESHOLD]]`: the
    binary (made absolute), `apply`'s flags, and the `plan --online-threshold` (None: the default)."""
    binary, _, rest = text.partition(":")
    flags, _, threshold = rest.partition(":")
    return os.path.abspath(binary), flags.split(), threshold or None


def turned(items, round_):
    """`items` from the `round_`-th on, then the rest: each round starts with the next, so that
    over the rounds the order favours none."""
    k = round_ % len(items)
    return items[k:] + items[:k]


def log_seconds(stamp):
    """Seconds since the epoch of a server log line's `%m` stamp, in UTC: '2026-12-03 17:07:19.873'."""
    whole, fraction = stamp.split(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%d %H:%M:%S")) + float("0." + fraction)


def median_run(runs):
    """A run whose figures are the medians of `runs`' (a few milliseconds move from run to run)."""
    def med(values):
        return statistics.median(values) if values else 0.0
    app = {key: med([r["app"].get(key, 0.0) for r in runs])
           for key in ("max", "p99", "max_big", "max_small", "lock_wait_max", "lock_waits", "failed")}
    if any("lock_wait_max" not in r["app"] for r in runs):
        del app["lock_wait_max"]
    merged = dict(runs[0], app=app, seconds=med([r["seconds"] for r in runs]),
                  lock_timeouts=med([r["lock_timeouts"] for r in runs]),
                  pgbench_errors=sum(r["pgbench_errors"] for r in runs), ok=all(r.get("ok", True) for r in runs))
    merged["app"]["failed"] = sum(r["app"]["failed"] for r in runs)
    return merged


def waits(stats):
    """The longest lock wait the application's sessions logged, and how many waits past 1 ms."""
    if "lock_wait_max" not in stats:
        return "n/a"
    return f"{stats['lock_wait_max']:.3f} s ({stats['lock_waits']:g})"


def fmt(x):
    return f"{x:.3f}"


def main(argv):
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("command")
    p.add_argument("--tp", required=True)
    p.add_argument("--pgbench", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--rows", type=int, default=200000)
    p.add_argument("--small", type=int, default=7)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--rate", type=int, default=150)
    p.add_argument("--reader", type=float, default=10)
    p.add_argument("--online-threshold", default=None)
    p.add_argument("--kinds", default="add_index,add_unique,add_volatile_column,add_fk,add_check,set_not_null,int_to_bigint")
    p.add_argument("--out", required=True)
    p.add_argument("--command-line", default="")
    p.add_argument("--server-log", default=None)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--window", type=float, default=0)
    # Diagnostics: the server logs every statement of `apply` with its duration.
    p.add_argument("--log-tool-statements", action="store_true")
    p.add_argument("--apply-flags", default="")
    args = p.parse_args(argv)

    def log(msg):
        print(f"[online {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    log(f"base fleet: big with {args.rows} rows, {args.small} small tenants")
    build_base(args)
    rows = []
    apply_flags = args.apply_flags.split()
    for kind in args.kinds.split(","):
        runs = []
        for run in range(1, args.repeat + 1):
            label = kind if args.repeat == 1 else f"{kind} #{run}"
            copy_db(f"{kind}_tool")
            copy_db(f"{kind}_hand")
            log(f"{label}: tenantplan apply under load")
            tool = run_tool(args, kind, f"{kind}_tool", apply_flags)
            log(f"  {fmt(tool['seconds'])} s, app max {fmt(tool['app']['max'])} s, ops {tool['ops']}, ok {tool['ok']}")
            log(f"{label}: hand-written online SQL under load")
            hand = run_hand(args, kind, f"{kind}_hand")
            log(f"  {fmt(hand['seconds'])} s, app max {fmt(hand['app']['max'])} s")
            rows.append((label, tool, hand))
            runs.append((tool, hand))
            psql("postgres", f"DROP DATABASE {kind}_tool")
            psql("postgres", f"DROP DATABASE {kind}_hand")
        if args.repeat > 1:
            rows.append((f"**{kind}, median of {args.repeat}**", median_run([t for t, _ in runs]),
                         median_run([h for _, h in runs])))

    readers = []
    for label, flags in (("default flags", ()), ("--lock-timeout 5s --retries 3 (the old defaults)",
                                                   ("--lock-timeout", "5s", "--retries", "3"))) if args.reader else ():
        copy_db("reader")
        log(f"long reader ({args.reader} s) with {label}")
        r = run_tool(args, "add_column", "reader", flags, reader=args.reader)
        log(f"  app max {fmt(r['app']['max'])} s, apply ended {fmt(r['end'] - r['reader_end'])} s after the reader")
        readers.append((label, r))
        psql("postgres", "DROP DATABASE reader")

    lines = [f"# Online apply benchmark, {time.strftime('%Y-%m-%d')}", "",
             f"`{args.command_line}`: tenant `big` with {args.rows:,} rows in `items`, {args.small} small tenants "
             f"({SMALL_ROWS:,} rows), {ACCOUNTS:,} accounts each; pgbench load of {args.clients} clients at "
             f"{args.rate} transactions/s (half on `big`): update an account, insert an item, update and read "
             "another. Latencies are pgbench's per-transaction latencies (from the scheduled start) of the "
             "transactions that ended while the change ran. The application's longest lock wait is what its "
             "sessions logged (`log_lock_waits` with their own `deadlock_timeout` of 1 ms; the count is of waits past "
             "1 ms). tenantplan: `apply` with " + (f"`{args.apply_flags}`" if args.apply_flags else "default flags")
             + (f" (`plan --online-threshold {args.online_threshold}`)" if args.online_threshold else "") + "; hand: the "
             "hand-written online SQL, each statement under a 200 ms lock_timeout retried about every second, "
             "tenant after tenant, on an identical copy in the same run.", "",
             "| change | tenantplan ops | app max (tool / hand) | ratio | app max on big / on small tenants (tool; hand) | app p99 (tool / hand) | app's longest lock wait (tool / hand) | apply wall (tool / hand) | ratio | app errors (tool / hand) | lock timeouts (tool / hand) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind, tool, hand in rows:
        ratio_max = tool["app"]["max"] / hand["app"]["max"] if hand["app"]["max"] else float("nan")
        ratio_wall = tool["seconds"] / hand["seconds"] if hand["seconds"] else float("nan")
        note = "" if tool["ok"] else " (apply failed)"
        if tool["app"].get("note"):
            note += " (" + tool["app"]["note"] + ")"
        lines.append(f"| {kind}{note} | {', '.join(tool['ops'])} | {fmt(tool['app']['max'])} / {fmt(hand['app']['max'])} s "
                     f"| {ratio_max:.2f}× "
                     f"| {fmt(tool['app'].get('max_big', 0))} / {fmt(tool['app'].get('max_small', 0))} s; "
                     f"{fmt(hand['app'].get('max_big', 0))} / {fmt(hand['app'].get('max_small', 0))} s "
                     f"| {fmt(tool['app']['p99'])} / {fmt(hand['app']['p99'])} s "
                     f"| {waits(tool['app'])} / {waits(hand['app'])} "
                     f"| {tool['seconds']:.2f} / {hand['seconds']:.2f} s | {ratio_wall:.2f}× "
                     f"| {tool['pgbench_errors'] + tool['app']['failed']} / {hand['pgbench_errors'] + hand['app']['failed']} "
                     f"| {tool['lock_timeouts']:g} / {hand['lock_timeouts']:g} |")
    lines += [] if not readers else ["", f"Long reader: a session keeps a transaction open on big.items for {args.reader:g} s; 0.5 s later "
              "`apply` adds a nullable column to `items` (an instant change). Latencies of the transactions that "
              "ended from the reader's start to the apply's end.", "",
              "| apply flags | app max | app p99 | app's longest lock wait | apply ended after the reader | lock timeouts | app errors |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for label, r in readers:
        lines.append(f"| {label}{'' if r['ok'] else ' (apply failed)'} | {fmt(r['app']['max'])} s | {fmt(r['app']['p99'])} s "
                     f"| {waits(r['app'])} | {r['end'] - r['reader_end']:+.2f} s | {r['lock_timeouts']} | {r['pgbench_errors'] + r['app']['failed']} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump({"kinds": [{"kind": k, "tool": t, "hand": h} for k, t, h in rows],
                   "readers": [{"flags": l, **r} for l, r in readers]}, f, indent=1, default=str)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
