#!/usr/bin/env python3
"""Mutation fuzzer for tenantplan's input parsers.

Generates mutated `schema.yaml`, `tenants.yaml` and `plan.json` files from seeds
(the example files at the package root and every file already in
Tests/Fixtures/fuzz/{schema,tenants,plan}/), and runs each through the built
binary: `tenantplan validate --schema X --tenants Y` for the YAML files and
`tenantplan show PLAN` (text, json or markdown) for plans. No database is needed.

Each run must
  * exit 0 or 1, never by a signal (a Swift trap is SIGILL/SIGTRAP) or with any
    other code,
  * finish within --timeout seconds and stay under --max-rss-mb of memory,
  * when it exits 1, say "error" on stderr, and never print a Swift runtime
    failure ("Fatal error", "Stack dump") anywhere.

An input that breaks a rule is saved to Tests/Fixtures/fuzz/<kind>/found-<sha>.<ext>
(unless --no-save), where FuzzRegressionTests picks it up, and the run exits 1.

The generator is deterministic for a given --seed: a failure can be regenerated
with the same seed and --count. Usage: scripts/fuzz.sh (which builds first), or
    scripts/fuzz/fuzz.py --binary .build/debug/tenantplan --count 3000 --seed 1
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "fuzz")
KINDS = ("schema", "tenants", "plan")
EXTENSIONS = {"schema": "yaml", "tenants": "yaml", "plan": "json"}

# ---------------------------------------------------------------------------
# Interesting values

UNICODE_SAMPLES = [
    "Ünïcode", "名前", "😀", "\u202e", "\u200b", "\ufeff", "\u2028", "\u0301", "e\u0301",
    "\U0010ffff", "\ufffd", "ß", "İ", "ﬀ", "\u00a0", "Ω", "\u0000", "\t", "\r", "\x7f", "\x1b[31m",
    "𝕏" * 40, "a" * 64, "é" * 32,
]

SCALARS = [
    "", "~", "null", "Null", "NULL", "true", "false", "yes", "no", "on", "off", "y", "n",
    "0", "-0", "1", "-1", "0x1F", "0o17", "1e309", "-1e309", ".inf", "-.inf", ".nan", ".NaN",
    "9" * 400, "-" + "9" * 400, "18446744073709551616", "9223372036854775808", "-9223372036854775809",
    "1_000", "2001-12-14t21:59:43.10-05:00", "!!binary aGVsbG8=", "!!str 1", "!!int x", "!!float y",
    "!!map {}", "!!seq []", "!custom x", "!!python/object:os.system x", "'quoted'", '"dq\\u0000nul"',
    '"\\x00"', '"\\uD800"', '"\\U0010FFFF"', "|\n  block", ">-\n  folded", "&a x", "*a", "*undefined",
    "[", "]", "{", "}", "[a, b", "{a: 1", "{}", "[]", "[[[]]]", "{a: {b: {c: {}}}}", "? complex", ": x",
    "- item", "#comment", "a #comment", "a: b", "'unterminated", '"unterminated', "%YAML 1.2",
    "---", "...", "@reserved", "`backtick", "now()", "1); DROP TABLE public.sentinel; --",
    "'{}'", "text[]", "bigint", "varchar(99999999999999999999)", "numeric(1000,1000)", "always",
    "by_default", "cascade", "restrict", "set null", "lower(email)", "a" * 64, "a" * 63, "é" * 32,
    "x" * 100000,
]

KEYS = [
    "version", "enums", "tables", "columns", "type", "nullable", "default", "identity", "generated",
    "collation", "comment", "renamed_from", "primary_key", "unique", "indexes", "foreign_keys", "checks",
    "using", "where", "include", "references", "table", "schema", "on_delete", "on_update", "name",
    "databases", "tenants", "discover", "exclude", "url", "url_env", "database", "schemas_like", "query",
    "<<", "? [a, b]", "!!str version", "&k key", "*k", "'version'", '"tables"', "version ", "Version",
]


def billion_laughs(levels, width, key="tables"):
    lines = ["version: 1", "lol0: &l0 [lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join(["*l%d" % (i - 1)] * width)
        lines.append("lol%d: &l%d [%s]" % (i, i, refs))
    lines.append("%s: *l%d" % (key, levels - 1))
    return "\n".join(lines) + "\n"


def deep_nesting(depth, flow=True, kind="seq"):
    if flow:
        return ("[" * depth + "]" * depth) if kind == "seq" else ("{a: " * depth + "b" + "}" * depth)
    lines = []
    for i in range(depth):
        lines.append("  " * i + ("- " if kind == "seq" else "a:"))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Byte-level mutations (any kind)

def m_flip_bits(rng, data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not b:
            break
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def m_random_bytes(rng, data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b) + 1)
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return bytes(b)


def m_invalid_utf8(rng, data):
    bad = rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\xfe\xff"])
    i = rng.randrange(len(data) + 1)
    return data[:i] + bad + data[i:]


def m_nul(rng, data):
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\x00" * rng.randint(1, 3) + data[i:]


def m_truncate(rng, data):
    return data[: rng.randrange(len(data) + 1)]


def m_delete_range(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 64))
    return data[:i] + data[j:]


def m_duplicate_range(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 256))
    return data[:j] + data[i:j] * rng.randint(1, 20) + data[j:]


def lines_of(data):
    return data.split(b"\n")


def m_delete_lines(rng, data):
    lines = lines_of(data)
    for _ in range(rng.randint(1, 3)):
        if lines:
            del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def m_duplicate_lines(rng, data):
    lines = lines_of(data)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * rng.randint(1, 5)
    return b"\n".join(lines)


def m_swap_lines(rng, data):
    lines = lines_of(data)
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def m_unicode(rng, data):
    s = rng.choice(UNICODE_SAMPLES).encode("utf-8", "surrogatepass")
    i = rng.randrange(len(data) + 1)
    return data[:i] + s + data[i:]


def m_tabs(rng, data):
    lines = lines_of(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(b"  ", b"\t", rng.randint(1, 3))
    return b"\n".join(lines)


def m_crlf(rng, data):
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n", b"\x85", "\u2028".encode()]))


def m_bom(rng, data):
    return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"]) + data


def m_huge_number(rng, data):
    digits = rng.choice(["9" * rng.randint(20, 5000), "1e400", "-1e400", "1" + "0" * 400 + ".5", "0x" + "f" * 100])
    positions = [i for i, c in enumerate(data) if 48 <= c <= 57]
    i = rng.choice(positions) if positions else rng.randrange(len(data) + 1)
    j = i
    while j < len(data) and 48 <= data[j] <= 57:
        j += 1
    return data[:i] + digits.encode() + data[j:]


BYTE_MUTATIONS = [
    m_flip_bits, m_random_bytes, m_invalid_utf8, m_nul, m_truncate, m_delete_range, m_duplicate_range,
    m_delete_lines, m_duplicate_lines, m_swap_lines, m_unicode, m_tabs, m_crlf, m_bom, m_huge_number,
]

# ---------------------------------------------------------------------------
# YAML-aware textual mutations


def y_replace_value(rng, data):
    lines = lines_of(data)
    candidates = [i for i, l in enumerate(lines) if b": " in l or l.strip().startswith(b"- ")]
    if not candidates:
        return data
    i = rng.choice(candidates)
    line = lines[i]
    value = rng.choice(SCALARS).encode("utf-8", "surrogatepass")
    if b": " in line:
        head = line[: line.index(b": ") + 2]
        lines[i] = head + value
    else:
        head = line[: line.index(b"- ") + 2]
        lines[i] = head + value
    return b"\n".join(lines)


def y_replace_inline_value(rng, data):
    # Inside flow mappings such as `{ type: text, nullable: false }`.
    text = data.decode("utf-8", "surrogateescape")
    positions = [i for i in range(len(text) - 1) if text[i] == ":" and text[i + 1] == " "]
    if not positions:
        return data
    p = rng.choice(positions) + 2
    end = p
    while end < len(text) and text[end] not in ",}\n":
        end += 1
    text = text[:p] + rng.choice(SCALARS) + text[end:]
    return text.encode("utf-8", "surrogateescape")


def y_replace_key(rng, data):
    lines = lines_of(data)
    candidates = [i for i, l in enumerate(lines) if b":" in l and not l.lstrip().startswith(b"#")]
    if not candidates:
        return data
    i = rng.choice(candidates)
    line = lines[i]
    indent = len(line) - len(line.lstrip(b" -"))
    colon = line.index(b":")
    if colon < indent:
        return data
    lines[i] = line[:indent] + rng.choice(KEYS).encode() + line[colon:]
    return b"\n".join(lines)


def y_reindent(rng, data):
    lines = lines_of(data)
    i = rng.randrange(len(lines))
    delta = rng.choice([-4, -2, -1, 1, 2, 4])
    if delta < 0:
        lines[i] = lines[i][min(-delta, len(lines[i]) - len(lines[i].lstrip(b" "))):]
    else:
        lines[i] = b" " * delta + lines[i]
    return b"\n".join(lines)


def y_insert_snippet(rng, data):
    snippets = [
        billion_laughs(rng.randint(3, 12), rng.randint(2, 10)),
        deep_nesting(rng.choice([100, 1000, 10000, 50000]), flow=True, kind=rng.choice(["seq", "map"])),
        deep_nesting(rng.choice([100, 1000, 5000]), flow=False, kind=rng.choice(["seq", "map"])),
        "a: &a\n  b: *a\n", "<<: *undefined\n", "x: &x {y: 1}\nz:\n  <<: *x\n",
        "? [a, b]\n: c\n", "? {a: 1}\n: d\n", "--- \n...\n---\n", "%YAML 1.1\n---\n", "%TAG ! tag:x,2000:\n---\n",
        "!!binary |\n  R0lGODlhDAAMAIQAAP//9/X\n", "key: !!timestamp 2001-12-14\n", "k: \"\\ud800\"\n", "k: \"\\0\"\n",
        "\t- tab\n", "k: v\n" * 1000, "&anchor\n", "*alias\n", "? \n", ": \n", "- - - - -\n",
    ]
    snippet = rng.choice(snippets).encode("utf-8", "surrogatepass")
    lines = lines_of(data)
    i = rng.randrange(len(lines) + 1)
    indent = b""
    if i < len(lines):
        line = lines[i]
        indent = line[: len(line) - len(line.lstrip(b" "))]
    snippet = b"\n".join(indent + l if l else l for l in snippet.split(b"\n"))
    lines[i:i] = [snippet.rstrip(b"\n")]
    return b"\n".join(lines)


def y_alias_bomb_in_place(rng, data):
    # Put a bomb under a key the loader walks (`tables`, `columns`, `tenants`...).
    key = rng.choice(["tables", "enums", "tenants", "databases", "exclude", "discover"])
    text = billion_laughs(rng.randint(5, 30), rng.randint(2, 9), key=key)
    if rng.random() < 0.5:
        # ...or as a mapping key, which a YAML library may hash.
        levels = rng.randint(5, 25)
        text = "version: 1\nb0: &b0 [x, y]\n" + "".join(
            "b%d: &b%d [*b%d, *b%d, *b%d]\n" % (i, i, i - 1, i - 1, i - 1) for i in range(1, levels)
        ) + "%s:\n  ? *b%d\n  : 1\n  ? *b%d\n  : 2\n" % (key, levels - 1, levels - 2)
    return text.encode()


YAML_MUTATIONS = [
    y_replace_value, y_replace_value, y_replace_inline_value, y_replace_inline_value, y_replace_key,
    y_reindent, y_insert_snippet, y_alias_bomb_in_place,
]

# ---------------------------------------------------------------------------
# JSON-aware mutations of plans

INTERESTING_JSON = [
    None, True, False, 0, -1, 1, 2, 2 ** 31, 2 ** 63, -(2 ** 63) - 1, 10 ** 400, 1e308, -0.0, 0.5,
    "", "absent", "main", "\u0000", "\ud800", "😀" * 100, "x" * 100000, "{tenant}", "-", "+", "~",
    "create_schema", "drop_table", "data_loss", "tenantplan-plan", "sha256:" + "0" * 64,
    [], {}, [None], [[]], {"": None}, {"main": []}, {"main": ["a", "a"]}, {"other": ["x"]},
]


def walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def set_at(root, path, value):
    if not path:
        return value
    node = root
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return root


def delete_at(root, path):
    if not path:
        return root
    node = root
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return root


def deep_json(depth, kind):
    return ("[" * depth + "]" * depth) if kind == "seq" else ('{"a":' * depth + "1" + "}" * depth)


STRINGS = [s for s in UNICODE_SAMPLES] + [
    "", " ", "\n", "\r\n", "x" * 100000, "{tenant}", "{tenant}{tenant}", "%s%n%@", "\u001b[2J", "main", "absent",
    "create_schema", "add_column", "drop_table", "-", "+", "~", "data_loss", "table_rewrite",
    "CREATE SCHEMA {tenant}", "ALTER TABLE \"orders\" ADD COLUMN \"x\" integer", "sha256:", "\\", "\"",
]
INTS = [0, 1, -1, 2, 7, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 63 - 1, -(2 ** 63), 1000000]


def same_type_value(rng, value, key):
    """A replacement of the same JSON type, so that the plan still decodes."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return rng.choice(INTS)
    if isinstance(value, str):
        if key == "action":
            return rng.choice(["+", "~", "-"])
        if key == "hazards" or (isinstance(key, int) and value in ("data_loss", "table_rewrite", "long_lock",
                                                                    "blocks_writes", "may_fail_on_existing_data",
                                                                    "drops_unmanaged_object")):
            return rng.choice(["data_loss", "table_rewrite", "long_lock", "blocks_writes",
                               "may_fail_on_existing_data", "drops_unmanaged_object"])
        return rng.choice(STRINGS) if rng.random() < 0.7 else value * rng.randint(2, 50)
    if isinstance(value, list):
        items = list(value)
        r = rng.random()
        if r < 0.3:
            return []
        if r < 0.6 and items:
            return items + [json.loads(json.dumps(rng.choice(items))) for _ in range(rng.randint(1, 50))]
        rng.shuffle(items)
        return items
    if isinstance(value, dict):
        if rng.random() < 0.5 and all(isinstance(v, list) for v in value.values()):
            # A tenants map: add databases the plan does not declare, or empty lists.
            out = dict(value)
            out[rng.choice(["", "other", "main", "Ünï"])] = rng.choice([[], ["t1"], ["a", "a"], ["\u0000"]])
            return out
        return value
    return value


def j_mutate(rng, plan):
    typed = rng.random() < 0.7
    for _ in range(rng.randint(1, 4)):
        paths = [p for p, _ in walk(plan)]
        path = rng.choice(paths)
        if typed and path:
            value = plan
            for p in path:
                value = value[p]
            plan = set_at(plan, path, same_type_value(rng, value, path[-1]))
            continue
        op = rng.random()
        if op < 0.55:
            value = rng.choice(INTERESTING_JSON)
            plan = set_at(plan, path, json.loads(json.dumps(value)) if isinstance(value, (list, dict)) else value)
        elif op < 0.7 and path:
            plan = delete_at(plan, path)
        elif op < 0.85:
            # Duplicate a list element or a change set.
            parent_path = path[:-1] if path else ()
            parent = plan
            for p in parent_path:
                parent = parent[p]
            if isinstance(parent, list) and parent:
                parent.append(json.loads(json.dumps(rng.choice(parent))))
        else:
            # Swap two values of the same parent.
            siblings = [p for p in paths if len(p) == len(path) and p[:-1] == path[:-1]]
            if len(siblings) > 1:
                a, b = rng.sample(siblings, 2)
                va = plan
                for p in a:
                    va = va[p]
                vb = plan
                for p in b:
                    vb = vb[p]
                plan = set_at(plan, a, vb)
                plan = set_at(plan, b, va)
    return plan


def digest(plan):
    copy = dict(plan) if isinstance(plan, dict) else plan
    if isinstance(copy, dict):
        copy.pop("digest", None)
    text = json.dumps(copy, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def mutate_plan(rng, seed):
    """Returns (bytes, redigested): structural mutations get a fresh digest most of
    the time, so that they reach the code behind the digest check."""
    r = rng.random()
    if r < 0.65:
        try:
            plan = json.loads(seed.decode("utf-8"))
        except Exception:
            return mutate_bytes(rng, seed, json_like=True), False
        plan = j_mutate(rng, plan)
        redigest = isinstance(plan, dict) and rng.random() < 0.8
        if redigest:
            plan["digest"] = digest(plan)
        text = json.dumps(plan, sort_keys=True, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5)
        return text.encode("utf-8", "surrogatepass"), redigest
    if r < 0.75:
        depth = rng.choice([100, 513, 1000, 10000, 100000])
        snippet = deep_json(depth, rng.choice(["seq", "map"]))
        text = seed.decode("utf-8", "surrogateescape")
        key = rng.choice(['"changes" : ', '"tenants" : ', '"held" : ', '"format_version" : '])
        if key in text and rng.random() < 0.7:
            i = text.index(key) + len(key)
            text = text[:i] + snippet + "," + text[i:]
        else:
            text = snippet
        return text.encode("utf-8", "surrogateescape"), False
    return mutate_bytes(rng, seed, json_like=True), False


def mutate_bytes(rng, data, json_like=False):
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(BYTE_MUTATIONS)(rng, data)
    return data


def mutate_yaml(rng, seed):
    data = seed
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.6:
            data = rng.choice(YAML_MUTATIONS)(rng, data)
        else:
            data = rng.choice(BYTE_MUTATIONS)(rng, data)
    return data


# ---------------------------------------------------------------------------
# Running


def load_seeds(kind):
    seeds = []
    if kind in ("schema", "tenants"):
        path = os.path.join(ROOT, kind + ".yaml")
        with open(path, "rb") as f:
            seeds.append(f.read())
    folder = os.path.join(FIXTURES, kind)
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            if len(data) < 200000:
                seeds.append(data)
    return seeds


def run_one(binary, args, timeout, max_rss_mb, cwd):
    """Runs the binary; returns (code, signal, seconds, max_rss_kb, stdout, stderr, timed_out)."""
    out = tempfile.TemporaryFile(dir=cwd)
    err = tempfile.TemporaryFile(dir=cwd)
    start = time.monotonic()
    pid = os.posix_spawn(binary, [binary] + args, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                         file_actions=[(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                                       (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                       (os.POSIX_SPAWN_DUP2, err.fileno(), 2)],
                         setsigdef=(signal.SIGPIPE, signal.SIGINT, signal.SIGTERM))
    timed_out = False
    rusage = None
    status = 0
    delay = 0.002
    while True:
        wpid, status, rusage = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            break
        if time.monotonic() - start > timeout:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            _, status, rusage = os.wait4(pid, 0)
            break
        time.sleep(delay)
        delay = min(0.02, delay * 1.5)
    seconds = time.monotonic() - start
    out.seek(0)
    err.seek(0)
    stdout = out.read()
    stderr = err.read()
    out.close()
    err.close()
    code = os.waitstatus_to_exitcode(status)
    return code, seconds, rusage.ru_maxrss if rusage else 0, stdout, stderr, timed_out


def check(kind, args, result, timeout, max_rss_mb):
    code, seconds, rss_kb, stdout, stderr, timed_out = result
    problems = []
    if timed_out:
        problems.append("did not finish within %ss (killed)" % timeout)
    elif code < 0:
        problems.append("killed by signal %d (%s)" % (-code, signal.Signals(-code).name))
    elif code not in (0, 1):
        problems.append("exit code %d" % code)
    if code == 1 and b"error" not in stderr.lower():
        problems.append("exit 1 without 'error' on stderr")
    for marker in (b"Fatal error", b"Stack dump", b"Illegal instruction", b"Segmentation fault", b"Trace/breakpoint"):
        if marker in stdout or marker in stderr:
            problems.append("runtime failure printed: %s" % marker.decode())
    if rss_kb > max_rss_mb * 1024:
        problems.append("used %d MB of memory (limit %d MB)" % (rss_kb // 1024, max_rss_mb))
    if code == 0 and kind != "plan" and b"Valid." not in stdout:
        problems.append("exit 0 without 'Valid.'")
    return problems


# Bugs already reported, with a test in FuzzRegressionTests (`knownIssues`): inputs that hit
# them are counted, not saved, and do not fail the run (unless --strict).
KNOWN_ISSUES = [
    ("yams-alias-key-hash",
     "Yams hashes a mapping key that is an alias of nested aliases in full (exponential): "
     "Tests/Fixtures/fuzz/schema/alias-bomb-as-mapping-key.yaml",
     lambda kind, data, problems: any("did not finish" in p for p in problems)
     and re.search(rb"\? \*", data) is not None),
    ("fleet-exclude-quadratic",
     "FleetLoader.parseExclude is quadratic in the number of excluded names: "
     "Tests/Fixtures/fuzz/tenants/many-excludes.yaml",
     lambda kind, data, problems: kind == "tenants" and any("did not finish" in p for p in problems)
     and b"exclude" in data and data.count(b"\n") > 5000),
]


def known_issue(kind, data, problems):
    for name, description, matches in KNOWN_ISSUES:
        if matches(kind, data, problems):
            return name
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "tenantplan"))
    parser.add_argument("--count", type=int, default=3000, help="inputs to generate (split across kinds)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--max-rss-mb", type=int, default=1024)
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--no-save", action="store_true", help="do not save failing inputs under Tests/Fixtures/fuzz")
    parser.add_argument("--keep", metavar="DIR", help="also write every generated input to DIR")
    parser.add_argument("--strict", action="store_true", help="fail on known issues too")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print("fuzz: error: %s is not an executable; build with `swift build` first" % binary, file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="tenantplan-fuzz-")
    # A private copy: the build directory's binary may be rebuilt while the fuzzer runs.
    shutil.copy2(binary, os.path.join(work, "tenantplan"))
    binary = os.path.join(work, "tenantplan")
    seeds = {kind: load_seeds(kind) for kind in KINDS}
    schema_seed = os.path.join(work, "seed-schema.yaml")
    tenants_seed = os.path.join(work, "seed-tenants.yaml")
    shutil.copy(os.path.join(ROOT, "schema.yaml"), schema_seed)
    shutil.copy(os.path.join(ROOT, "tenants.yaml"), tenants_seed)

    # Generate every input first (deterministic for the seed), then run them in parallel.
    cases = []
    redigested = 0
    for n in range(args.count):
        kind = KINDS[n % 3]
        base = rng.choice(seeds[kind])
        if kind == "plan":
            data, fresh = mutate_plan(rng, base)
            redigested += fresh
            path = os.path.join(work, "case-%05d.json" % n)
            fmt = rng.choice(["text", "text", "json", "markdown"])
            cmd = ["show", path] + ([] if fmt == "text" else ["--format", fmt])
        else:
            data = mutate_yaml(rng, base)
            path = os.path.join(work, "case-%05d.yaml" % n)
            if kind == "schema":
                cmd = ["validate", "--schema", path, "--tenants", tenants_seed]
            else:
                cmd = ["validate", "--schema", schema_seed, "--tenants", path]
        with open(path, "wb") as f:
            f.write(data)
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            shutil.copy(path, args.keep)
        cases.append((n, kind, path, cmd))

    started = time.monotonic()
    failures = []
    known_hits = {}
    stats = {"exit0": 0, "exit1": 0, "slowest": 0.0, "max_rss_mb": 0, "plans_past_digest": 0}
    by_kind = {k: 0 for k in KINDS}

    def work_item(case):
        n, kind, path, cmd = case
        result = run_one(binary, cmd, args.timeout, args.max_rss_mb, work)
        return case, result

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for case, result in pool.map(work_item, cases):
            n, kind, path, cmd = case
            by_kind[kind] += 1
            code, seconds, rss_kb, stdout, stderr, timed_out = result
            if code == 0:
                stats["exit0"] += 1
                if kind == "plan":
                    stats["plans_past_digest"] += 1
            elif code == 1:
                stats["exit1"] += 1
                if kind == "plan" and b"does not match its digest" not in stderr and b"not a valid" not in stderr:
                    stats["plans_past_digest"] += 1
            problems = check(kind, cmd, result, args.timeout, args.max_rss_mb)
            if problems:
                with open(path, "rb") as f:
                    data = f.read()
                known = known_issue(kind, data, problems)
                if known and not args.strict:
                    known_hits[known] = known_hits.get(known, 0) + 1
                    continue
            stats["slowest"] = max(stats["slowest"], seconds)
            stats["max_rss_mb"] = max(stats["max_rss_mb"], rss_kb // 1024)
            if problems:
                sha = hashlib.sha256(data).hexdigest()[:16]
                saved = None
                if not args.no_save:
                    folder = os.path.join(FIXTURES, kind)
                    os.makedirs(folder, exist_ok=True)
                    saved = os.path.join(folder, "found-%s.%s" % (sha, EXTENSIONS[kind]))
                    with open(saved, "wb") as f:
                        f.write(data)
                failures.append((n, kind, cmd, problems, saved, stderr[-2000:]))
                print("FAIL case %d (%s): %s\n  command: tenantplan %s\n  saved: %s\n  stderr tail: %s" % (
                    n, kind, "; ".join(problems), " ".join(cmd), saved or "-",
                    stderr[-600:].decode("utf-8", "replace")), file=sys.stderr)

    elapsed = time.monotonic() - started
    print("fuzz: seed %d, %d inputs (%s) in %.1fs with %d jobs" % (
        seed, len(cases), ", ".join("%d %s" % (by_kind[k], k) for k in KINDS), elapsed, args.jobs))
    print("fuzz: %d exited 0, %d exited 1; %d plans re-digested, %d got past the digest check" % (
        stats["exit0"], stats["exit1"], redigested, stats["plans_past_digest"]))
    print("fuzz: slowest run %.2fs (limit %.0fs), largest max RSS %d MB (limit %d MB), known issues aside" % (
        stats["slowest"], args.timeout, stats["max_rss_mb"], args.max_rss_mb))
    for name, description, _ in KNOWN_ISSUES:
        if name in known_hits:
            print("fuzz: %d inputs hit known issue %s (not saved): %s" % (known_hits[name], name, description))
    if failures:
        print("fuzz: %d FAILURES; inputs saved under %s" % (len(failures), FIXTURES))
        shutil.rmtree(work, ignore_errors=True)
        return 1
    print("fuzz: no failures")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
