# shellcheck shell=bash
#
# Throwaway PostgreSQL server for tests. Source this file, then:
#
#   pg_bindir            print the newest /usr/lib/postgresql/<ver>/bin holding
#                        initdb, pg_ctl and postgres (exit 1 if none)
#   pg_start             start a server on 127.0.0.1 in a fresh mktemp -d folder;
#                        sets PG_PORT, PG_DIR and PG_ADMIN_URL
#   pg_stop              stop it (pg_ctl stop -m fast) and remove PG_DIR; safe to
#                        call more than once and when nothing was started
#
# The caller is expected to call pg_stop from an EXIT trap.
#
# As root the server runs as the "postgres" OS user (PostgreSQL refuses to run
# as root); otherwise as the current user. Authentication is "trust" for local
# and loopback connections: never use this for anything but tests.

# Set by pg_start, read by the caller.
# shellcheck disable=SC2034
{
    PG_DIR=""
    PG_PORT=""
    PG_ADMIN_URL=""
    PG_BIN=""
}
PG_FIRST_PORT="${PG_FIRST_PORT:-54329}"

pg_log() { printf 'postgres: %s\n' "$*" >&2; }

pg_bindir() {
    local d best="" best_ver=-1 ver
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] || continue
        ver="${d#/usr/lib/postgresql/}"
        ver="${ver%/bin}"
        [[ "$ver" =~ ^[0-9]+$ ]] || ver=0
        if ((ver > best_ver)); then
            best="$d"
            best_ver="$ver"
        fi
    done
    [[ -n "$best" ]] || return 1
    printf '%s\n' "$best"
}

# Run a PostgreSQL program as the user that owns the cluster, from inside
# PG_DIR (so that the postgres user never needs access to the caller's cwd).
pg_run() {
    if [[ $EUID -eq 0 ]]; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

# True when something already listens on 127.0.0.1:$1 (or on any address).
pg_port_in_use() {
    local port="$1"
    if command -v ss >/dev/null 2>&1; then
        if ss -Hltn "( sport = :$port )" 2>/dev/null | grep -q .; then
            return 0
        fi
    fi
    # Fallback / double check: can we connect?
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        return 0
    fi
    return 1
}

pg_free_port() {
    local port="$1" last=$(($1 + 200))
    while ((port <= last)); do
        if ! pg_port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
        port=$((port + 1))
    done
    return 1
}

pg_start() {
    PG_BIN="$(pg_bindir)" || {
        pg_log "no PostgreSQL server found under /usr/lib/postgresql/*/bin (install the 'postgresql' package)"
        return 1
    }

    local base="${TMPDIR:-/tmp}"
    if [[ $EUID -eq 0 ]]; then
        # The postgres user must be able to reach the folder.
        base=/tmp
        if ! getent passwd postgres >/dev/null; then
            pg_log "running as root but there is no 'postgres' OS user (reinstall the 'postgresql' package)"
            return 1
        fi
    fi
    # Callers often run this under `||`, where set -e does not apply: check
    # every step that the next ones depend on.
    if ! PG_DIR="$(mktemp -d "$base/vigie-pg.XXXXXXXX")" || [[ ! -d "$PG_DIR" ]]; then
        PG_DIR=""
        pg_log "mktemp -d in $base failed"
        return 1
    fi
    mkdir -p "$PG_DIR/data" "$PG_DIR/sock" || return 1
    if [[ $EUID -eq 0 ]]; then
        chown -R postgres: "$PG_DIR" || return 1
    fi
    chmod 700 "$PG_DIR/data" || return 1

    if ! pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        pg_log "initdb failed:"
        cat "$PG_DIR/initdb.log" >&2
        return 1
    fi

    # Settings go into postgresql.conf (quoted, so odd paths are fine); only
    # the port, which may change below, is given on the command line.
    local sockdir="$PG_DIR/sock"
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF || return 1

# --- throwaway test server (scripts/lib/postgres.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '${sockdir//\'/\'\'}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    # Other runs of this script may be picking ports at the same moment: if the
    # server cannot bind, try the next free port a few times.
    local port="$PG_FIRST_PORT" attempt
    for attempt in 1 2 3 4 5; do
        port="$(pg_free_port "$port")" || {
            pg_log "no free TCP port from $PG_FIRST_PORT upward"
            return 1
        }
        if pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-p $port" \
            start >"$PG_DIR/pg_ctl.log" 2>&1; then
            PG_PORT="$port"
            PG_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
            return 0
        fi
        if grep -qiE 'could not (bind|create listen)|address already in use' "$PG_DIR/server.log" 2>/dev/null; then
            pg_log "port $port was taken meanwhile (attempt $attempt), trying the next one"
            : >"$PG_DIR/server.log"
            port=$((port + 1))
            continue
        fi
        break
    done
    pg_log "pg_ctl start failed:"
    cat "$PG_DIR/pg_ctl.log" "$PG_DIR/server.log" >&2 2>/dev/null || true
    return 1
}

pg_stop() {
    [[ -n "$PG_DIR" && -d "$PG_DIR" ]] || return 0
    local pidfile="$PG_DIR/data/postmaster.pid" pid=""
    if [[ -f "$pidfile" ]]; then
        pid="$(head -n1 "$pidfile" 2>/dev/null || true)"
        if ! pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
            pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        fi
        # Last resort: the postmaster we started, by its own pid.
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
            [[ -f "$pidfile" ]] && [[ "$(head -n1 "$pidfile" 2>/dev/null)" == "$pid" ]]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$PG_DIR"
    # shellcheck disable=SC2034
    {
        PG_DIR=""
        PG_PORT=""
        PG_ADMIN_URL=""
    }
}
