# shellcheck shell=bash
# A real koers-bureau on loopback for the shells' sync tests (kotlin and swift stages of
# scripts/test). Sourced after lib/common.sh, never run.
#
#   bureau_fixture_start      builds koers-bureau, creates a coach and one spoor 2 employee in
#                             a fresh data dir, serves on a free 127.0.0.1 port, and exports:
#     KOERS_BUREAU_URL              http://127.0.0.1:PORT
#     KOERS_BUREAU_CODE             the employee's one-time enrolment code (XXXX-XXXX)
#     KOERS_BUREAU_EMPLOYEE         the employee's id (for the coach API paths)
#     KOERS_BUREAU_COACH_EMAIL      the coach's login for /v1/coach/login
#     KOERS_BUREAU_COACH_PASSWORD
#     KOERS_BUREAU_WEEKLY_TARGET    the weekly target the trajectory starts with
#   bureau_fixture_stop       stops the server (also happens by itself when the calling
#                             script exits, even on `die`, through a small watchdog).
#
# KOERS_BUREAU_NO_BUILD=1 uses the koers-bureau already in target/debug (like
# KOERS_BINDINGS_NO_BUILD for scripts/bindings).
# Test processes inherit these variables; a test that needs them fails when they are missing.

BUREAU_FIXTURE_PID=""
BUREAU_FIXTURE_WATCHDOG=""
BUREAU_FIXTURE_DIR=""

bureau_fixture_start() {
    [ -z "$BUREAU_FIXTURE_PID" ] || return 0
    if [ "${KOERS_BUREAU_NO_BUILD:-0}" != 1 ]; then
        log "bureau-fixture: cargo build -p koers-bureau"
        cargo build -q -p koers-bureau >&2 || die "bureau-fixture: cargo build -p koers-bureau failed"
    fi
    local bin="$KOERS_TARGET/debug/koers-bureau"
    [ -x "$bin" ] || die "bureau-fixture: $bin not found"

    mkdir -p "$KOERS_BUILD"
    BUREAU_FIXTURE_DIR="$(mktemp -d "$KOERS_BUILD/bureau-fixture.XXXXXX")"
    local data="$BUREAU_FIXTURE_DIR/data" out
    local email="coach@fixture.example" password="fixture-wachtwoord-1" target=3
    printf '%s\n' "$password" | "$bin" --data-dir "$data" create-coach --email "$email" \
        --name "Fixture Coach" --password-stdin --admin >"$BUREAU_FIXTURE_DIR/coach.log" 2>&1 \
        || { cat "$BUREAU_FIXTURE_DIR/coach.log" >&2; die "bureau-fixture: create-coach failed"; }
    out="$("$bin" --data-dir "$data" create-employee --coach "$email" --name "Sam Fixture" \
        --kind spoor2 --first-sick-day "$(date -d '-400 days' +%F)" --weekly-target "$target" 2>&1)" \
        || { echo "$out" >&2; die "bureau-fixture: create-employee failed"; }
    local code employee
    code="$(sed -n 's/^Koppelcode: *//p' <<<"$out" | head -n1)"
    employee="$(sed -n 's/^Werknemer: *//p' <<<"$out" | head -n1)"
    if [ -z "$code" ] || [ -z "$employee" ]; then die "bureau-fixture: unexpected create-employee output: $out"; fi

    # A free port: try a few random ones; the server exits at once when its port is taken.
    local port tries=0 url=""
    while [ $tries -lt 20 ]; do
        tries=$((tries + 1))
        port=$((20000 + RANDOM % 40000))
        RUST_LOG=warn "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" \
            >"$BUREAU_FIXTURE_DIR/serve.log" 2>&1 &
        BUREAU_FIXTURE_PID=$!
        for _ in $(seq 1 100); do
            kill -0 "$BUREAU_FIXTURE_PID" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then url="http://127.0.0.1:$port"; break; fi
            sleep 0.1
        done
        # A port taken by someone else answers too, but then our server has exited.
        if [ -n "$url" ]; then sleep 0.3; kill -0 "$BUREAU_FIXTURE_PID" 2>/dev/null && break; url=""; fi
        kill "$BUREAU_FIXTURE_PID" 2>/dev/null || true
        wait "$BUREAU_FIXTURE_PID" 2>/dev/null || true
        BUREAU_FIXTURE_PID=""
    done
    [ -n "$url" ] || { cat "$BUREAU_FIXTURE_DIR/serve.log" >&2; die "bureau-fixture: the server did not start"; }

    # Stops the server when the script that started it ends, however it ends.
    local parent=$$ server=$BUREAU_FIXTURE_PID dir=$BUREAU_FIXTURE_DIR
    ( while kill -0 "$parent" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
      kill "$server" 2>/dev/null; sleep 1; rm -rf "$dir" ) >/dev/null 2>&1 &
    BUREAU_FIXTURE_WATCHDOG=$!

    export KOERS_BUREAU_URL="$url" KOERS_BUREAU_CODE="$code" KOERS_BUREAU_EMPLOYEE="$employee" \
        KOERS_BUREAU_COACH_EMAIL="$email" KOERS_BUREAU_COACH_PASSWORD="$password" \
        KOERS_BUREAU_WEEKLY_TARGET="$target"
    log "bureau-fixture: serving on $url (pid $BUREAU_FIXTURE_PID, data in $data)"
}

bureau_fixture_stop() {
    if [ -n "$BUREAU_FIXTURE_PID" ]; then
        kill "$BUREAU_FIXTURE_PID" 2>/dev/null || true
        wait "$BUREAU_FIXTURE_PID" 2>/dev/null || true
    fi
    if [ -n "$BUREAU_FIXTURE_WATCHDOG" ]; then
        kill "$BUREAU_FIXTURE_WATCHDOG" 2>/dev/null || true
        wait "$BUREAU_FIXTURE_WATCHDOG" 2>/dev/null || true
    fi
    [ -n "$BUREAU_FIXTURE_DIR" ] && rm -rf "$BUREAU_FIXTURE_DIR"
    BUREAU_FIXTURE_PID="" BUREAU_FIXTURE_WATCHDOG="" BUREAU_FIXTURE_DIR=""
    unset KOERS_BUREAU_URL KOERS_BUREAU_CODE KOERS_BUREAU_EMPLOYEE KOERS_BUREAU_COACH_EMAIL \
        KOERS_BUREAU_COACH_PASSWORD KOERS_BUREAU_WEEKLY_TARGET
}
