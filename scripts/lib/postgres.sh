# shellcheck shell=bash
# A throwaway PostgreSQL cluster for the tests: Debian's server binaries, `initdb` into a
# temporary directory owned by the `postgres` user, listening on its own free port on
# 127.0.0.1 only (and a socket in that directory), trust authentication, fsync off. Sourced
# by scripts/test; needs root (it runs the server as `postgres`). Nothing outside the
# temporary directory is touched: no system cluster is started or changed.
#
#   postgres_start [-c name=value ...]
#                    exports KOERS_TEST_DATABASE_URL (the `postgres` database of the cluster);
#                    extra server settings override the defaults (scripts/bench-scale: fsync=on)
#   postgres_stop    stops the server and deletes the directory (call it from the EXIT trap)

_KOERS_PG_DIR=""
_KOERS_PG_BIN=""

# The newest installed server's bin directory (Debian keeps them in /usr/lib/postgresql/N/bin).
_postgres_bin() {
    local d
    d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)"
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

postgres_start() {
    [ "$(id -u)" -eq 0 ] || die "postgres: the throwaway cluster needs root (it runs as the postgres user)"
    _KOERS_PG_BIN="$(_postgres_bin)" || true
    if [ -z "$_KOERS_PG_BIN" ]; then
        apt_ensure postgresql
        _KOERS_PG_BIN="$(_postgres_bin)" || die "postgres: no server binaries after installing postgresql"
    fi
    id postgres >/dev/null 2>&1 || die "postgres: no 'postgres' user (the postgresql package creates it)"
    _KOERS_PG_DIR="$(mktemp -d /tmp/koers-pg.XXXXXX)"
    chown postgres: "$_KOERS_PG_DIR"
    chmod 700 "$_KOERS_PG_DIR"
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000)))"
    runuser -u postgres -- "$_KOERS_PG_BIN/initdb" -D "$_KOERS_PG_DIR/data" -U postgres \
        --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$_KOERS_PG_DIR/initdb.log" 2>&1 \
        || { cat "$_KOERS_PG_DIR/initdb.log" >&2; die "postgres: initdb failed"; }
    runuser -u postgres -- "$_KOERS_PG_BIN/pg_ctl" -D "$_KOERS_PG_DIR/data" -l "$_KOERS_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $_KOERS_PG_DIR -c fsync=off -c max_connections=300 $*" start >/dev/null \
        || { cat "$_KOERS_PG_DIR/server.log" >&2; die "postgres: the server did not start"; }
    export KOERS_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    # A test that needs PostgreSQL fails (rather than skips) if the URL went missing.
    export KOERS_REQUIRE_POSTGRES=1
    log "postgres: throwaway cluster on $KOERS_TEST_DATABASE_URL ($_KOERS_PG_DIR)"
}

postgres_stop() {
    [ -n "$_KOERS_PG_DIR" ] || return 0
    runuser -u postgres -- "$_KOERS_PG_BIN/pg_ctl" -D "$_KOERS_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$_KOERS_PG_DIR"
    _KOERS_PG_DIR=""
}
