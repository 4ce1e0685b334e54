#!/usr/bin/env python3
"""Helpers for bench/run.sh: generated inputs, SQL scripts, a monotonic timer, the report.

Standard library only (the bench venv is for Alembic alone). Subcommands:

  schema V1 V2                 the bench schema.yaml (20 tables) and its fleet-change version
  tenants OUT N [--first F]    a listed tenants.yaml: t_0001 .. t_N
  discover OUT                 a tenants.yaml that discovers schemas LIKE 't\\_%'
  plan-sql PLAN OUT --kind create|change --count N [--first F]
                               the changes of PLAN's single change set as one psql script:
                               one transaction per tenant, all in one session
  catalog-sql OUT              the raw catalog reads a planner must run (columns, defaults,
                               constraints, indexes of every tenant schema)
  check-plan PLAN --in-sync N  fails unless PLAN has exactly N tenants, all in sync
  alembic-project DIR          alembic.ini, env.py (the multi-tenant recipe) and two revisions
  timeit OUT -- CMD...         runs CMD, writes its wall time (perf_counter) to OUT, exits with its code
  maxrss FILE                  "Maximum resident set size" (KiB) from a /usr/bin/time -v report
  report RESULTS OUT           the Markdown results table from the key=value RESULTS file
"""

import json
import os
import subprocess
import sys
import time

# ---------------------------------------------------------------------------
# The bench schema: 20 tables of a plausible SaaS application.
#
# Each table: an identity primary key `id`, 5-8 columns, NOT NULL columns with
# defaults, one or two indexes; a foreign key on 10 of them; checks on some.
# Columns are (name, type, nullable, default, identity).

def col(name, type_, nullable=True, default=None, identity=None):
    return {"name": name, "type": type_, "nullable": nullable, "default": default, "identity": identity}

def pk(identity="always"):
    return col("id", "bigint", nullable=False, identity=identity)

def created():
    return col("created_at", "timestamptz", nullable=False, default="now()")

TABLES = [
    {"name": "accounts",
     "columns": [pk(), col("name", "text", False), col("plan", "text", False, "'free'"),
                 col("seats", "integer", False, "1"), created(), col("closed_at", "timestamptz")],
     "indexes": {"accounts_name_idx": {"columns": ["name"]}},
     "checks": {"accounts_seats_check": "seats > 0"}},
    {"name": "users",
     "columns": [pk(), col("account_id", "bigint", False), col("email", "text", False),
                 col("display_name", "varchar(120)"), col("is_admin", "boolean", False, "false"),
                 created(), col("last_login_at", "timestamptz")],
     "fk": ("account_id", "accounts", "cascade"),
     "indexes": {"users_account_id_idx": {"columns": ["account_id"]},
                 "users_lower_email_idx": {"columns": ["lower(email)"], "unique": True}}},
    {"name": "teams",
     "columns": [pk("by_default"), col("account_id", "bigint", False), col("name", "text", False),
                 col("description", "text"), created()],
     "fk": ("account_id", "accounts", "cascade"),
     "indexes": {"teams_account_id_idx": {"columns": ["account_id"]}}},
    {"name": "team_members",
     "columns": [pk(), col("team_id", "bigint", False), col("user_id", "bigint", False),
                 col("role", "text", False, "'member'"), col("joined_at", "timestamptz", False, "now()")],
     "fk": ("team_id", "teams", "cascade"),
     "indexes": {"team_members_team_user_idx": {"columns": ["team_id", "user_id"], "unique": True}},
     "checks": {"team_members_role_check": "role in ('owner', 'admin', 'member')"}},
    {"name": "projects",
     "columns": [pk(), col("team_id", "bigint", False), col("name", "text", False),
                 col("status", "text", False, "'active'"), col("budget_cents", "bigint", False, "0"),
                 created(), col("archived_at", "timestamptz")],
     "fk": ("team_id", "teams", "restrict"),
     "indexes": {"projects_team_id_idx": {"columns": ["team_id"]},
                 "projects_active_name_idx": {"columns": ["name"], "where": "status = 'active'"}},
     "checks": {"projects_budget_cents_check": "budget_cents >= 0"}},
    {"name": "tasks",
     "columns": [pk(), col("project_id", "bigint", False), col("title", "text", False),
                 col("priority", "smallint", False, "3"), col("due_on", "date"),
                 col("done", "boolean", False, "false"), created()],
     "fk": ("project_id", "projects", "cascade"),
     "indexes": {"tasks_project_id_idx": {"columns": ["project_id"]},
                 "tasks_open_due_idx": {"columns": ["due_on"], "where": "not done"}},
     "checks": {"tasks_priority_check": "priority between 1 and 5"}},
    {"name": "comments",
     "columns": [pk(), col("task_id", "bigint", False), col("author_id", "bigint", False),
                 col("body", "text", False), created(), col("edited_at", "timestamptz")],
     "fk": ("task_id", "tasks", "cascade"),
     "indexes": {"comments_task_id_idx": {"columns": ["task_id", "created_at"]}}},
    {"name": "attachments",
     "columns": [pk(), col("comment_id", "bigint", False), col("file_name", "text", False),
                 col("content_type", "text", False, "'application/octet-stream'"),
                 col("size_bytes", "bigint", False, "0"), col("uploaded_at", "timestamptz", False, "now()")],
     "fk": ("comment_id", "comments", "cascade"),
     "indexes": {"attachments_comment_id_idx": {"columns": ["comment_id"]}},
     "checks": {"attachments_size_bytes_check": "size_bytes >= 0"}},
    {"name": "tags",
     "columns": [pk("by_default"), col("name", "varchar(64)", False), col("color", "char(7)", False, "'#cccccc'"),
                 created(), col("archived", "boolean", False, "false")],
     "indexes": {"tags_lower_name_idx": {"columns": ["lower(name)"], "unique": True}}},
    {"name": "task_tags",
     "columns": [pk(), col("task_id", "bigint", False), col("tag_id", "bigint", False),
                 col("added_by", "bigint"), col("added_at", "timestamptz", False, "now()")],
     "fk": ("task_id", "tasks", "cascade"),
     "indexes": {"task_tags_task_tag_idx": {"columns": ["task_id", "tag_id"], "unique": True},
                 "task_tags_tag_id_idx": {"columns": ["tag_id"]}}},
    {"name": "customers",
     "columns": [pk(), col("name", "text", False), col("email", "text"), col("country", "char(2)"),
                 col("credit_limit_cents", "bigint", False, "0"), created()],
     "indexes": {"customers_email_idx": {"columns": ["email"]},
                 "customers_created_at_idx": {"columns": ["created_at DESC"]}},
     "checks": {"customers_credit_limit_cents_check": "credit_limit_cents >= 0"}},
    {"name": "invoices",
     "columns": [pk(), col("customer_id", "bigint", False), col("number", "text", False),
                 col("issued_on", "date", False, "CURRENT_DATE"), col("total_cents", "bigint", False, "0"),
                 col("status", "text", False, "'draft'"), col("paid_at", "timestamptz")],
     "fk": ("customer_id", "customers", "restrict"),
     "indexes": {"invoices_customer_id_idx": {"columns": ["customer_id"]},
                 "invoices_number_idx": {"columns": ["number"], "unique": True}},
     "checks": {"invoices_total_cents_check": "total_cents >= 0"}},
    {"name": "invoice_lines",
     "columns": [pk(), col("invoice_id", "bigint", False), col("description", "text", False),
                 col("quantity", "numeric(12,3)", False, "1"), col("unit_price_cents", "bigint", False, "0"),
                 col("tax_rate", "numeric(5,4)", False, "0")],
     "fk": ("invoice_id", "invoices", "cascade"),
     "indexes": {"invoice_lines_invoice_id_idx": {"columns": ["invoice_id"]}},
     "checks": {"invoice_lines_quantity_check": "quantity > 0"}},
    {"name": "payments",
     "columns": [pk(), col("invoice_id", "bigint", False), col("amount_cents", "bigint", False),
                 col("method", "text", False, "'card'"), col("received_at", "timestamptz", False, "now()"),
                 col("reference", "text")],
     "indexes": {"payments_invoice_id_idx": {"columns": ["invoice_id"]},
                 "payments_received_at_idx": {"columns": ["received_at"]}},
     "checks": {"payments_amount_cents_check": "amount_cents > 0"}},
    {"name": "products",
     "columns": [pk("by_default"), col("sku", "text", False), col("name", "text", False),
                 col("price_cents", "integer", False, "0"), col("active", "boolean", False, "true"),
                 col("tags", "text[]", False, "'{}'"), created()],
     "indexes": {"products_sku_idx": {"columns": ["sku"], "unique": True},
                 "products_active_name_idx": {"columns": ["name"], "where": "active"}},
     "checks": {"products_price_cents_check": "price_cents >= 0"}},
    {"name": "warehouses",
     "columns": [pk(), col("code", "varchar(16)", False), col("city", "text"),
                 col("capacity", "integer", False, "0"), col("opened_on", "date")],
     "indexes": {"warehouses_code_idx": {"columns": ["code"], "unique": True}}},
    {"name": "stock_levels",
     "columns": [pk(), col("product_id", "bigint", False), col("warehouse_id", "bigint", False),
                 col("quantity", "integer", False, "0"), col("reserved", "integer", False, "0"),
                 col("updated_at", "timestamptz", False, "now()")],
     "fk": ("product_id", "products", "cascade"),
     "indexes": {"stock_levels_product_warehouse_idx": {"columns": ["product_id", "warehouse_id"], "unique": True}},
     "checks": {"stock_levels_quantity_check": "quantity >= 0"}},
    {"name": "audit_events",
     "columns": [pk(), col("actor_id", "bigint"), col("action", "text", False), col("target", "text", False),
                 col("payload", "jsonb", False, "'{}'::jsonb"), col("occurred_at", "timestamptz", False, "now()")],
     "indexes": {"audit_events_occurred_at_idx": {"columns": ["occurred_at DESC"]},
                 "audit_events_actor_id_idx": {"columns": ["actor_id"]}}},
    {"name": "settings",
     "columns": [pk(), col("key", "text", False), col("value", "jsonb", False, "'{}'::jsonb"),
                 col("updated_by", "bigint"), col("updated_at", "timestamptz", False, "now()")],
     "indexes": {"settings_key_idx": {"columns": ["key"], "unique": True}}},
    {"name": "webhooks",
     "columns": [pk(), col("url", "text", False), col("secret", "text", False),
                 col("active", "boolean", False, "true"), col("failures", "integer", False, "0"), created()],
     "indexes": {"webhooks_active_url_idx": {"columns": ["url"], "where": "active"}},
     "checks": {"webhooks_failures_check": "failures >= 0"}},
]

# The fleet change: one column added to every table, and one new index.
NEW_COLUMN = col("revision", "integer", False, "0")
NEW_INDEX = ("tasks", "tasks_created_at_idx", {"columns": ["created_at"]})

assert len(TABLES) == 20
assert 9 <= sum(1 for t in TABLES if "fk" in t) <= 11  # about half


def y(value):
    """A YAML scalar: JSON strings are valid YAML double-quoted scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def render_schema(tables, comment):
    out = [f"# {comment}", "# Generated by bench/benchlib.py; do not edit.", "version: 1", "tables:"]
    for t in tables:
        out.append(f"  {t['name']}:")
        out.append("    columns:")
        for c in t["columns"]:
            parts = [f"type: {y(c['type'])}"]
            if not c["nullable"] and not c["identity"]:
                parts.append("nullable: false")
            if c["default"] is not None:
                parts.append(f"default: {y(c['default'])}")
            if c["identity"]:
                parts.append(f"identity: {c['identity']}")
            out.append(f"      {c['name']}: {{ {', '.join(parts)} }}")
        out.append("    primary_key: [id]")
        if "fk" in t:
            column, target, on_delete = t["fk"]
            out.append("    foreign_keys:")
            out.append(f"      {t['name']}_{column}_fkey:")
            out.append(f"        columns: [{column}]")
            out.append(f"        references: {{ table: {target}, columns: [id] }}")
            out.append(f"        on_delete: {on_delete}")
        out.append("    indexes:")
        for name, idx in t["indexes"].items():
            parts = [f"columns: [{', '.join(y(c) for c in idx['columns'])}]"]
            if idx.get("unique"):
                parts.append("unique: true")
            if "where" in idx:
                parts.append(f"where: {y(idx['where'])}")
            out.append(f"      {name}: {{ {', '.join(parts)} }}")
        if t.get("checks"):
            out.append("    checks:")
            for name, expr in t["checks"].items():
                out.append(f"      {name}: {y(expr)}")
    return "\n".join(out) + "\n"


def changed_tables():
    tables = json.loads(json.dumps(TABLES))
    for t in tables:
        t["columns"].append(dict(NEW_COLUMN))
        if t["name"] == NEW_INDEX[0]:
            t["indexes"][NEW_INDEX[1]] = NEW_INDEX[2]
    return tables


def cmd_schema(v1, v2):
    with open(v1, "w") as f:
        f.write(render_schema(TABLES, "tenantplan bench schema: 20 tables (the provisioned state)."))
    with open(v2, "w") as f:
        f.write(render_schema(changed_tables(),
                              "tenantplan bench schema after the fleet change: + revision on every table, "
                              "+ tasks_created_at_idx."))


def tenant_name(i):
    return f"t_{i:04d}"


def cmd_tenants(out, n, first=1):
    with open(out, "w") as f:
        f.write("# Generated by bench/benchlib.py.\nversion: 1\ntenants:\n")
        for i in range(first, first + n):
            f.write(f"  - {tenant_name(i)}\n")


def cmd_discover(out):
    with open(out, "w") as f:
        f.write('# Generated by bench/benchlib.py.\nversion: 1\ndiscover:\n  - { schemas_like: "t\\\\_%" }\n')


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def load_plan(path):
    with open(path) as f:
        return json.load(f)


def single_change_set(plan, kind):
    sets = [s for s in plan["change_sets"] if s["changes"]]
    if len(sets) != 1:
        sys.exit(f"benchlib: expected exactly one change set with changes in the plan, found {len(sets)}")
    changes = sets[0]["changes"]
    creates = changes[0]["op"] == "create_schema"
    if creates != (kind == "create"):
        sys.exit(f"benchlib: the plan's change set {'creates' if creates else 'changes'} tenants; expected --kind {kind}")
    return changes


def cmd_plan_sql(plan_path, out, kind, count, first=1):
    changes = single_change_set(load_plan(plan_path), kind)
    body_tx, body_after = [], []
    for change in changes:
        if change["op"] == "create_schema":
            continue
        (body_tx if change.get("transactional", True) else body_after).append(change["sql"].rstrip().rstrip(";") + ";")
    tx = "\n".join(body_tx)
    after = "\n".join(body_after)
    with open(out, "w") as f:
        f.write("-- Generated by bench/benchlib.py from the tenantplan plan: the same DDL, one transaction per tenant.\n")
        for i in range(first, first + count):
            q = quote_ident(tenant_name(i))
            f.write("BEGIN;\n")
            if kind == "create":
                f.write(f"CREATE SCHEMA {q};\n")
            f.write(f"SET LOCAL search_path TO {q};\n{tx}\nCOMMIT;\n")
            if after:
                f.write(f"SET search_path TO {q};\n{after}\n")


CATALOG_SQL = r"""-- Generated by bench/benchlib.py: the catalog reads any planner must run over every tenant schema.
\set QUIET on
\pset format unaligned
\pset tuples_only on
-- Columns: type, nullability, default, identity.
SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid, true), a.attidentity, a.attgenerated
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname, a.attnum;
-- Constraints.
SELECT n.nspname, c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid, true)
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid
JOIN pg_constraint con ON con.conrelid = c.oid
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname, con.conname;
-- Indexes.
SELECT n.nspname, c.relname, ic.relname, pg_get_indexdef(i.indexrelid, 0, true)
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid
JOIN pg_index i ON i.indrelid = c.oid
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname, ic.relname;
-- Privileges (ACL columns) of schemas, relations and columns.
SELECT n.nspname, n.nspacl, c.relname, c.relacl, a.attname, a.attacl
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND a.attacl IS NOT NULL
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname, a.attname;
-- Functions and procedures.
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid), p.proacl
FROM pg_namespace n
JOIN pg_proc p ON p.pronamespace = n.oid AND p.prokind IN ('f', 'p')
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, p.proname;
-- Views and materialized views (rewrite rules).
SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true)
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('v', 'm')
JOIN pg_rewrite r ON r.ev_class = c.oid
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname;
-- Triggers.
SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid, true)
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid
JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname, t.tgname;
-- Row-level security policies.
SELECT n.nspname, c.relname, c.relrowsecurity, p.polname, p.polcmd, p.polroles,
       pg_get_expr(p.polqual, p.polrelid, true), pg_get_expr(p.polwithcheck, p.polrelid, true)
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid
JOIN pg_policy p ON p.polrelid = c.oid
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, c.relname, p.polname;
-- Partitioning and inheritance.
SELECT n.nspname, c.relname, pg_get_partkeydef(c.oid), pc.relname, pg_get_expr(pc.relpartbound, pc.oid, true)
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid
LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
LEFT JOIN pg_inherits i ON i.inhparent = c.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhrelid
WHERE n.nspname LIKE 't\_%' AND (pt.partrelid IS NOT NULL OR i.inhrelid IS NOT NULL)
ORDER BY n.nspname, c.relname, pc.relname;
-- Default privileges.
SELECT n.nspname, d.defaclrole, d.defaclobjtype, d.defaclacl
FROM pg_namespace n
JOIN pg_default_acl d ON d.defaclnamespace = n.oid
WHERE n.nspname LIKE 't\_%'
ORDER BY n.nspname, d.defaclobjtype;
"""


def cmd_catalog_sql(out):
    with open(out, "w") as f:
        f.write(CATALOG_SQL)


def cmd_check_plan(path, in_sync):
    plan = load_plan(path)
    tenants = 0
    changed = 0
    for s in plan["change_sets"]:
        count = sum(len(v) for v in s["tenants"].values())
        tenants += count
        if s["changes"]:
            changed += count
    if tenants != in_sync or changed:
        sys.exit(f"benchlib: {path}: expected {in_sync} tenants all in sync, found {tenants} tenants, {changed} with changes")


# ---------------------------------------------------------------------------
# Alembic: the multi-tenant recipe (docs "Rudimental Schema-Level Multi Tenancy").

ALEMBIC_INI = """# Generated by bench/benchlib.py.
[alembic]
script_location = %(here)s
# Empty URL: psycopg2/libpq read PGHOST, PGPORT, PGUSER and PGDATABASE.
sqlalchemy.url = postgresql+psycopg2://

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = WARN
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ALEMBIC_ENV = '''# Generated by bench/benchlib.py: env.py of the Alembic multi-tenant recipe.
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool, text

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    current_tenant = context.get_x_argument(as_dictionary=True).get("tenant")
    if not current_tenant:
        raise SystemExit("pass -x tenant=NAME")
    with connectable.connect() as connection:
        # set search path on the connection, which ensures that PostgreSQL
        # emits all CREATE / ALTER / DROP statements in terms of this schema
        connection.execute(text('set search_path to "%s"' % current_tenant))
        connection.commit()

        # make use of non-supported SQLAlchemy attribute to ensure
        # the dialect reflects tables in terms of the current tenant name
        connection.dialect.default_schema_name = current_tenant

        context.configure(connection=connection, target_metadata=target_metadata)

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline mode is not used by the bench")
run_migrations_online()
'''

ALEMBIC_BASE = '''"""The provisioned bench schema (stamped, never run).

Revision ID: 0001_base
Revises:
"""
revision = "0001_base"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


def alembic_change():
    lines = ['"""The fleet change: + revision on every table, + tasks_created_at_idx.',
             "",
             "Revision ID: 0002_fleet_change",
             "Revises: 0001_base",
             '"""',
             "import sqlalchemy as sa",
             "from alembic import op",
             "",
             'revision = "0002_fleet_change"',
             'down_revision = "0001_base"',
             "branch_labels = None",
             "depends_on = None",
             "",
             "",
             "def upgrade():"]
    for t in TABLES:
        lines.append(f'    op.add_column("{t["name"]}", sa.Column("{NEW_COLUMN["name"]}", sa.Integer(), '
                     f'nullable=False, server_default=sa.text("{NEW_COLUMN["default"]}")))')
    table, name, idx = NEW_INDEX
    lines.append(f'    op.create_index("{name}", "{table}", {idx["columns"]!r})')
    lines += ["", "", "def downgrade():"]
    lines.append(f'    op.drop_index("{name}", table_name="{table}")')
    for t in reversed(TABLES):
        lines.append(f'    op.drop_column("{t["name"]}", "{NEW_COLUMN["name"]}")')
    return "\n".join(lines) + "\n"


def cmd_alembic_project(directory):
    os.makedirs(os.path.join(directory, "versions"), exist_ok=True)
    files = {
        "alembic.ini": ALEMBIC_INI,
        "env.py": ALEMBIC_ENV,
        "versions/0001_base.py": ALEMBIC_BASE,
        "versions/0002_fleet_change.py": alembic_change(),
    }
    for name, text in files.items():
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)


# ---------------------------------------------------------------------------

def cmd_timeit(out, argv):
    start = time.perf_counter()
    rc = subprocess.call(argv)
    elapsed = time.perf_counter() - start
    with open(out, "w") as f:
        f.write(f"{elapsed:.4f}\n")
    sys.exit(rc if rc >= 0 else 128 - rc)


def cmd_maxrss(path):
    with open(path) as f:
        for line in f:
            if "Maximum resident set size" in line:
                print(line.rsplit(":", 1)[1].strip())
                return
    sys.exit(f"benchlib: no 'Maximum resident set size' in {path}")


# ---------------------------------------------------------------------------
# The report.

def read_results(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return values


def fmt_s(x):
    if x is None:
        return "n/a"
    if x >= 100:
        return f"{x:.0f} s"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.0f} ms"


def cmd_report(results_path, out):
    r = read_results(results_path)

    def num(key):
        return float(r[key]) if key in r and r[key] != "" else None

    n, m, k = r.get("N", "?"), r.get("M", "?"), r.get("K", "?")
    rows = []  # (figure, tenantplan, baseline, ratio, target, met)

    def ratio_row(figure, tp, base, base_label, target=None, limit=None):
        if tp is None or base is None:
            return
        ratio = tp / base if base > 0 else float("inf")
        met = "" if limit is None else ("yes" if ratio <= limit else "**no**")
        rows.append((figure, fmt_s(tp), f"{base_label} {fmt_s(base)}", f"{ratio:.2f}×", target or "", met))

    # 1. Provisioning.
    if num("prov_psql") is not None:
        tp = (num("prov_plan") or 0) + (num("prov_apply") or 0)
        ratio_row(f"1. Provision {n} tenants: plan + apply", tp, num("prov_psql"), "psql", "≤ 1.3×", 1.3)
        ratio_row("   … plan only", num("prov_plan"), num("prov_psql"), "psql")
        ratio_row("   … apply only (default --parallel)", num("prov_apply"), num("prov_psql"), "psql")
        if num("prov_apply_p1") is not None:
            tp1 = (num("prov_plan_p1") or 0) + num("prov_apply_p1")
            ratio_row("   … plan + apply --parallel 1", tp1, num("prov_psql"), "psql")
            ratio_row("   … apply only --parallel 1", num("prov_apply_p1"), num("prov_psql"), "psql")
    # 2. No-op plan.
    ratio_row(f"2. No-op plan, {n} tenants (best of 2)", num("noop_plan"), num("noop_catalog"),
              "raw catalog reads", "≤ 1.0×", 1.0)
    if num("noop_plan_first") is not None:
        ratio_row("   … first of the 2 (reads every tenant in full, writes the records)", num("noop_plan_first"),
                  num("noop_catalog"), "raw catalog reads")
    if num("alembic_noop_per_tenant") is not None and num("noop_plan") is not None:
        base = num("alembic_noop_per_tenant") * int(n)
        tp = num("noop_plan")
        rows.append((f"   … vs Alembic no-op × {n} (extrapolated)", fmt_s(tp), f"Alembic {fmt_s(base)}",
                     f"{base / tp:.0f}× faster", "", ""))
    # 3. Fleet change.
    if num("change_apply") is not None:
        tp = num("change_plan") + num("change_apply")
        ratio_row(f"3. Fleet change, {n} tenants: plan + apply (best of 2)", tp, num("change_psql"), "psql", "≤ 1.5×", 1.5)
        ratio_row("   … plan only", num("change_plan"), num("change_psql"), "psql")
        ratio_row("   … apply only", num("change_apply"), num("change_psql"), "psql")
        if num("alembic_upgrade_per_tenant") is not None:
            base = num("alembic_upgrade_per_tenant") * int(n)
            speedup = base / tp
            rows.append((f"   … vs Alembic upgrade × {n} (extrapolated from {k})", fmt_s(tp), f"Alembic {fmt_s(base)}",
                         f"{speedup:.0f}× faster", "≥ 20× faster", "yes" if speedup >= 20 else "**no**"))
            rows.append(("   Alembic per tenant: upgrade / no-op", "", 
                         f"{fmt_s(num('alembic_upgrade_per_tenant'))} / {fmt_s(num('alembic_noop_per_tenant'))}",
                         "", "", ""))
    # 4. Memory.
    if num("mem_rss_kib") is not None:
        mb = num("mem_rss_kib") / 1024
        rows.append((f"4. Peak RSS, no-op plan at {m} tenants", f"{mb:.0f} MB", "", "", "≤ 200 MB",
                     "yes" if mb <= 200 else "**no**"))
        bpt = num("mem_plan_bytes") / int(m)
        rows.append((f"   plan.json bytes per in-sync tenant ({int(num('mem_plan_bytes'))} B / {m})", f"{bpt:.0f} B",
                     "", "", "≤ 200 B", "yes" if bpt <= 200 else "**no**"))
        ratio_row(f"   No-op plan at {m} tenants (best of 2)", num("mem_plan_time"), num("mem_catalog"),
                  "raw catalog reads", "≤ 1.0×", 1.0)
        rows[-1] = rows[-1][:4] + ("≤ 1.0×, < 10 s", "yes" if num("mem_plan_time") < 10
                                    and num("mem_plan_time") <= num("mem_catalog") else "**no**")
        if num("mem_plan_first") is not None:
            ratio_row("   … first of the 2 (reads every tenant in full, writes the records)", num("mem_plan_first"),
                      num("mem_catalog"), "raw catalog reads")
        if num("mem_provision_psql") is not None:
            rows.append((f"   (setup: psql provisioning of {m} tenants)", "", fmt_s(num("mem_provision_psql")), "", "", ""))

    lines = []
    lines.append(f"## tenantplan fleet benchmark, {r.get('date', '')}")
    lines.append("")
    lines.append(f"- tenantplan {r.get('git', '?')}; PostgreSQL {r.get('pg_version', '?')}; "
                 f"{r.get('cpus', '?')} CPUs; N = {n}, M = {m}, K = {k}")
    lines.append(f"- command: `{r.get('command', '')}`")
    lines.append("- times are wall clock (monotonic); tenantplan figures include process start-up")
    lines.append("")
    lines.append("| figure | tenantplan | baseline | ratio | target | met |")
    lines.append("|---|---:|---:|---:|---|---|")
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    text = "\n".join(lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]

    def opt(name, default=None):
        if name in args:
            i = args.index(name)
            value = args[i + 1]
            del args[i:i + 2]
            return value
        return default

    if cmd == "schema":
        cmd_schema(*args)
    elif cmd == "tenants":
        first = int(opt("--first", "1"))
        cmd_tenants(args[0], int(args[1]), first)
    elif cmd == "discover":
        cmd_discover(args[0])
    elif cmd == "plan-sql":
        kind = opt("--kind")
        count = int(opt("--count"))
        first = int(opt("--first", "1"))
        cmd_plan_sql(args[0], args[1], kind, count, first)
    elif cmd == "catalog-sql":
        cmd_catalog_sql(args[0])
    elif cmd == "check-plan":
        n = int(opt("--in-sync"))
        cmd_check_plan(args[0], n)
    elif cmd == "alembic-project":
        cmd_alembic_project(args[0])
    elif cmd == "timeit":
        if len(args) < 3 or args[1] != "--":
            sys.exit("usage: benchlib.py timeit OUT -- CMD...")
        cmd_timeit(args[0], args[2:])
    elif cmd == "maxrss":
        cmd_maxrss(args[0])
    elif cmd == "report":
        cmd_report(args[0], args[1])
    else:
        sys.exit(f"benchlib: unknown command {cmd}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv)
