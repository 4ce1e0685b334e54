#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for tests and local experiments.
#
#   scripts/pg-cluster.sh start DIR [--port N] [--tcp] [--owner-pid PID] [--set NAME=VALUE ...]
#   scripts/pg-cluster.sh stop DIR
#   scripts/pg-cluster.sh status DIR
#
# `start` creates a cluster in DIR (data in DIR/data, log in DIR/postgres.log),
# starts it listening on a Unix socket inside DIR only, waits until it accepts
# connections and prints `export` lines for PGHOST, PGPORT, PGUSER, PGDATABASE
# on stdout (eval "$(scripts/pg-cluster.sh start /tmp/pg)"). Authentication is
# `trust`, durability is off: never keep data you care about in it.
#   --port N        port number (default 5432; with only a private socket directory
#                   this never clashes with another cluster)
#   --tcp           also listen on 127.0.0.1:N
#   --set N=V       a server setting (repeatable), after the script's own, as
#                   postgresql.conf writes it: --set max_connections=400
#   --owner-pid P   start a watchdog that stops the cluster and removes DIR once
#                   process P has exited (in case P dies without calling `stop`)
# Starting a cluster that is already running prints its exports again.
# When /dev/shm is a roomy tmpfs (2 GB free or more), the data directory lives
# there and DIR/data is a symlink to it (CREATE DATABASE gets several times
# faster); TENANTPLAN_PG_RAMDISK=0 keeps it in DIR.
#
# `stop` stops the cluster immediately (pg_ctl stop -m immediate) and removes DIR
# (and its tmpfs data directory).
# Stopping a DIR that does not exist succeeds. A DIR that is not a cluster made by
# this script is never removed.
#
# As root the server runs as the `postgres` user (initdb refuses root); otherwise
# it runs as the current user. Binaries come from `pg_config --bindir`, then
# /usr/lib/postgresql/<version>/bin, then PATH.
set -euo pipefail

readonly MARKER=".tenantplan-pg-cluster"
readonly SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

die() { echo "pg-cluster: error: $*" >&2; exit 1; }
note() { echo "pg-cluster: $*" >&2; }

usage() {
    sed -n '2,7p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Close every descriptor inherited beyond stdin/stdout/stderr. The server and the
# watchdog outlive this script, and must not keep the caller's pipes or sockets
# open: Foundation's Process, for one, only notices that its child has exited
# once every copy of a socket it hands the child is closed.
close_inherited_fds() {
    local fd_dir="/proc/$$/fd" fd
    [[ -d "$fd_dir" ]] || fd_dir=/dev/fd
    for fd in $(ls "$fd_dir" 2>/dev/null); do
        [[ "$fd" =~ ^[0-9]+$ ]] || continue
        # 255 is the script itself, which bash is still reading.
        if [[ "$fd" -gt 2 && "$fd" -ne 255 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}
close_inherited_fds

# Nothing from the caller's libpq environment may leak into initdb/pg_ctl/psql.
for var in $(compgen -e); do
    case "$var" in PG*) unset "$var" ;; esac
done
export LC_ALL=C
unset LANGUAGE

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"; return
        fi
    fi
    for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr) \
        /usr/local/pgsql/bin /opt/homebrew/bin /usr/local/bin; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"; return
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return
    fi
    die "cannot find the PostgreSQL server binaries (initdb, pg_ctl): install the server package or put its bin directory on PATH"
}

# Runs a command as the cluster's owner: `postgres` when we are root.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

check_owner_user() {
    if [[ "$(id -u)" -eq 0 ]]; then
        id postgres >/dev/null 2>&1 \
            || die "running as root but there is no 'postgres' user to run the server as (initdb refuses root)"
        command -v runuser >/dev/null 2>&1 || die "running as root but 'runuser' is not available"
    fi
}

absolute_dir() {
    local dir="$1"
    [[ -n "$dir" ]] || die "DIR must not be empty"
    case "$dir" in
        /) die "refusing to use / as the cluster directory" ;;
        /*) ;;
        *) dir="$PWD/$dir" ;;
    esac
    # Normalise without requiring the directory to exist.
    dir="$(cd / && echo "$dir" | sed -e 's#//*#/#g' -e 's#/\./#/#g' -e 's#/$##')"
    echo "$dir"
}

# A tmpfs directory for the data when it is usable and roomy (>= 2 GB free),
# unless TENANTPLAN_PG_RAMDISK=0. Docker's default 64 MB /dev/shm is too small.
ramdisk_base() {
    [[ "${TENANTPLAN_PG_RAMDISK:-auto}" != 0 ]] || return 0
    [[ -d /dev/shm && -w /dev/shm && -k /dev/shm ]] || return 0
    local avail_kb
    avail_kb="$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')"
    [[ "$avail_kb" =~ ^[0-9]+$ && "$avail_kb" -ge 2097152 ]] || return 0
    echo /dev/shm
}

# Removes DIR/data, and the tmpfs directory it points to if it is a symlink.
remove_data() {
    local data="$1/data" target
    if [[ -L "$data" ]]; then
        target="$(readlink "$data")"
        case "$target" in
            /dev/shm/tenantplan-pg-data.*) rm -rf "$target" ;;
        esac
        rm -f "$data"
    else
        rm -rf "$data"
    fi
}

# The postmaster's pid if the cluster in $1/data is running, else nothing.
running_pid() {
    local data="$1/data" pid
    [[ -f "$data/postmaster.pid" ]] || return 0
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

print_exports() {
    local dir="$1" port
    port="$(sed -n 4p "$dir/data/postmaster.pid" 2>/dev/null || true)"
    [[ "$port" =~ ^[0-9]+$ ]] || port="$2"
    printf 'export PGHOST=%q\n' "$dir"
    printf 'export PGPORT=%q\n' "$port"
    printf 'export PGUSER=postgres\n'
    printf 'export PGDATABASE=postgres\n'
}

show_log() {
    local log="$1/postgres.log"
    if [[ -f "$log" ]]; then
        echo "---- last lines of $log ----" >&2
        tail -n 30 "$log" >&2 || true
        echo "----" >&2
    fi
}

cmd_start() {
    local dir="" port=5432 tcp=0 owner_pid="" settings=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port) [[ $# -ge 2 ]] || die "--port needs a value"; port="$2"; shift 2 ;;
            --port=*) port="${1#--port=}"; shift ;;
            --tcp) tcp=1; shift ;;
            --owner-pid) [[ $# -ge 2 ]] || die "--owner-pid needs a value"; owner_pid="$2"; shift 2 ;;
            --owner-pid=*) owner_pid="${1#--owner-pid=}"; shift ;;
            --set) [[ $# -ge 2 ]] || die "--set needs NAME=VALUE"; settings+="$2"$'\n'; shift 2 ;;
            --set=*) settings+="${1#--set=}"$'\n'; shift ;;
            -h|--help) usage ;;
            -*) die "unknown option: $1" ;;
            *) [[ -z "$dir" ]] || die "unexpected argument: $1"; dir="$1"; shift ;;
        esac
    done
    [[ -n "$dir" ]] || usage
    [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]] || die "invalid port: $port"
    [[ -z "$owner_pid" || "$owner_pid" =~ ^[0-9]+$ ]] || die "invalid --owner-pid: $owner_pid"
    local setting
    while IFS= read -r setting; do
        [[ -z "$setting" || "$setting" =~ ^[a-z_.]+=.+$ ]] || die "invalid --set (want NAME=VALUE): $setting"
    done <<<"$settings"
    dir="$(absolute_dir "$dir")"
    # sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS.
    local socket="$dir/.s.PGSQL.$port"
    [[ ${#socket} -le 100 ]] || die "socket path too long (${#socket} bytes): $socket; use a shorter DIR"

    check_owner_user
    local bindir; bindir="$(find_bindir)"
    local data="$dir/data" log="$dir/postgres.log"

    if [[ -n "$(running_pid "$dir")" ]]; then
        note "cluster in $dir is already running"
        print_exports "$dir" "$port"
        return 0
    fi

    if [[ -e "$dir" ]]; then
        [[ -d "$dir" ]] || die "$dir exists and is not a directory"
        if [[ ! -f "$dir/$MARKER" ]] && [[ -n "$(ls -A "$dir")" ]]; then
            die "$dir is not empty and was not created by this script; choose an empty or new directory"
        fi
    else
        mkdir -p "$dir" || die "cannot create $dir"
    fi
    : > "$dir/$MARKER"
    chmod 700 "$dir"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown -R postgres: "$dir" || die "cannot chown $dir to postgres"
        runuser -u postgres -- test -w "$dir" -a -x "$dir" \
            || die "the postgres user cannot reach $dir (is a parent directory private?); use a directory under /tmp"
    fi

    # Run from a directory the server user can enter.
    cd "$dir"

    if [[ ! -f "$data/PG_VERSION" ]]; then
        remove_data "$dir"
        local ram; ram="$(ramdisk_base)"
        if [[ -n "$ram" ]]; then
            # Data on tmpfs, reached through the DIR/data symlink: creating a
            # database is several times faster than on disk.
            local target; target="$(mktemp -d "$ram/tenantplan-pg-data.XXXXXX")" \
                || die "cannot create a data directory in $ram"
            chmod 700 "$target"
            [[ "$(id -u)" -ne 0 ]] || chown postgres: "$target"
            ln -s "$target" "$data"
        fi
        local locale=C
        local locales; locales="$(locale -a 2>/dev/null || true)"
        if grep -qixE 'c\.utf-?8' <<<"$locales"; then locale=C.UTF-8; fi
        if ! as_owner "$bindir/initdb" -D "$data" -A trust -U postgres --no-sync -E UTF8 \
                --locale="$locale" >"$dir/initdb.log" 2>&1; then
            cat "$dir/initdb.log" >&2 || true
            die "initdb failed in $data"
        fi
    fi

    local listen="''"
    [[ "$tcp" -eq 1 ]] && listen="'127.0.0.1'"
    # Settings go into a file of their own, rewritten on every start.
    as_owner tee "$data/tenantplan.conf" >/dev/null <<EOF
# Written by scripts/pg-cluster.sh on every start.
listen_addresses = $listen
port = $port
unix_socket_directories = '$dir'
unix_socket_permissions = 0777
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 1h
logging_collector = off
log_min_messages = warning
log_timezone = 'UTC'
timezone = 'UTC'
${settings}
EOF
    if ! grep -q "^include_if_exists = 'tenantplan.conf'" "$data/postgresql.conf"; then
        echo "include_if_exists = 'tenantplan.conf'" | as_owner tee -a "$data/postgresql.conf" >/dev/null
    fi

    if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start >/dev/null 2>"$dir/pg_ctl.log"; then
        cat "$dir/pg_ctl.log" >&2 || true
        show_log "$dir"
        if [[ "$tcp" -eq 1 ]]; then
            die "the server in $dir did not start (is 127.0.0.1:$port already in use?)"
        fi
        die "the server in $dir did not start"
    fi

    # pg_ctl -w already waited; make sure the socket accepts connections.
    local tries=0
    until as_owner "$bindir/pg_isready" -q -h "$dir" -p "$port" -U postgres -d postgres; do
        tries=$((tries + 1))
        if [[ $tries -ge 100 ]]; then
            show_log "$dir"
            die "the server in $dir does not accept connections"
        fi
        sleep 0.1
    done

    if [[ -n "$owner_pid" ]]; then
        start_watchdog "$dir" "$owner_pid"
    fi
    print_exports "$dir" "$port"
}

start_watchdog() {
    local dir="$1" owner="$2"
    # Detached, in its own session, holding none of the caller's pipes.
    if command -v setsid >/dev/null 2>&1; then
        setsid bash "$SELF" _watch "$dir" "$owner" </dev/null >/dev/null 2>&1 &
    else
        nohup bash "$SELF" _watch "$dir" "$owner" </dev/null >/dev/null 2>&1 &
    fi
    echo "$!" > "$dir/watchdog.pid"
}

cmd_watch() {
    local dir="$1" owner="$2"
    while kill -0 "$owner" 2>/dev/null && [[ -d "$dir" ]]; do
        sleep 1
    done
    [[ -d "$dir" ]] && cmd_stop "$dir" >/dev/null 2>&1 || true
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir; dir="$(absolute_dir "$1")"
    if [[ ! -e "$dir" ]]; then
        note "nothing to stop: $dir does not exist"
        return 0
    fi
    [[ -d "$dir" ]] || die "$dir is not a directory"
    if [[ ! -f "$dir/$MARKER" ]]; then
        if [[ -z "$(ls -A "$dir")" ]]; then rmdir "$dir"; return 0; fi
        die "$dir was not created by this script; not touching it"
    fi
    # A watchdog has nothing left to do (unless it is the one stopping).
    local watchdog; watchdog="$(cat "$dir/watchdog.pid" 2>/dev/null || true)"
    if [[ "$watchdog" =~ ^[0-9]+$ && "$watchdog" -ne $$ ]]; then
        kill "$watchdog" 2>/dev/null || true
    fi
    local pid; pid="$(running_pid "$dir")"
    if [[ -n "$pid" ]]; then
        check_owner_user
        local bindir; bindir="$(find_bindir)"
        cd /
        if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 -s stop >/dev/null 2>&1; then
            note "pg_ctl stop failed; signalling postmaster $pid"
            kill -QUIT "$pid" 2>/dev/null || true
            local i
            for i in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    remove_data "$dir"
    rm -rf "$dir" || die "cannot remove $dir"
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    local dir; dir="$(absolute_dir "$1")"
    local pid; pid="$(running_pid "$dir")"
    if [[ -n "$pid" ]]; then
        echo "running (postmaster pid $pid) in $dir"
    else
        echo "not running: $dir"
        return 3
    fi
}

[[ $# -ge 1 ]] || usage
command="$1"; shift
case "$command" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    _watch) cmd_watch "$@" ;;
    -h|--help|help) usage ;;
    *) echo "pg-cluster: unknown command: $command" >&2; usage ;;
esac
