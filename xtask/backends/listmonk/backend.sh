#!/usr/bin/env bash
# listmonk, a newsletter and mailing-list manager in Go (echo + sqlx + PostgreSQL), checked
# against the OpenAPI 3.0 document its repository ships (docs/swagger/collections.yaml),
# which declares no security at all, while every route but the public ones refuses a request
# without credentials (403 `invalid session`). An API user's token goes as
# `Authorization: token USER:TOKEN`; every answer is wrapped in `{"data": ...}`, every error
# is `{"message": ...}`. Built from its own Go modules (the Go module proxy); its web UI,
# which is not under test, is an empty page. It listens on 127.0.0.1:8745.
#   backend.sh setup SOURCE   SOURCE: the fetched knadh/listmonk
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=listmonk
REPOSITORY=knadh/listmonk
COMMIT=911e0b77
PORT=8745
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25745
DIR=$(backend_dir $NAME)
# The API user made at install, a superadmin's.
API_USER=accordapi

config() {
  cat >"$DIR/config.toml" <<CONFIG
[app]
address = "127.0.0.1:$PORT"
[db]
host = "127.0.0.1"
port = $PG_PORT
user = "postgres"
password = ""
database = "$1"
ssl_mode = "disable"
max_open = 25
max_idle = 25
max_lifetime = "300s"
params = ""
CONFIG
}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    mkdir -p "$DIR/src/frontend/dist"
    echo '<!doctype html><title>listmonk</title>' >"$DIR/src/frontend/dist/index.html"
    cp "$DIR/src/docs/swagger/collections.yaml" "$DIR/collections.yaml"
    (cd "$DIR/src" && go build -o "$DIR/listmonk" ./cmd)
    # The installed database, once, with its API user: each start copies it, so the
    # user's token (which the install prints) holds for every start.
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT installed
    config installed
    (cd "$DIR/src" && LISTMONK_ADMIN_USER=admin LISTMONK_ADMIN_PASSWORD=admin-password-1 \
      LISTMONK_ADMIN_API_USER=$API_USER "$DIR/listmonk" --config "$DIR/config.toml" --install --yes \
      >"$DIR/install.log" 2>"$DIR/install.err") \
      || { echo "error: listmonk's install failed (see $DIR/install.log)" >&2; exit 1; }
    sed -n 's/^export LISTMONK_ADMIN_API_TOKEN="\(.*\)"$/\1/p' "$DIR/install.err" >"$DIR/token"
    rm -f "$DIR/install.err"
    [ -s "$DIR/token" ] || { echo "error: listmonk's install printed no API token" >&2; exit 1; }
    pg_stop "$DIR/pg"
    ;;
  start)
    port_free $PORT
    pg_start "$DIR/pg" $PG_PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    as_pg "$(pg_bin)/dropdb" --if-exists -h 127.0.0.1 -p $PG_PORT -U postgres listmonk 2>/dev/null
    as_pg "$(pg_bin)/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres -T installed listmonk
    config listmonk
    cd "$DIR/src"
    nohup "$DIR/listmonk" --config "$DIR/config.toml" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/health 30
    echo "http://127.0.0.1:$PORT/api"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    echo "ACCORD_TOKEN=$API_USER:$(cat "$DIR/token")"
    ;;
  token)
    echo "Authorization: token $API_USER:$(cat "$DIR/token")"
    echo "$DIR/collections.yaml"
    ;;
  *)
    usage
    ;;
esac
