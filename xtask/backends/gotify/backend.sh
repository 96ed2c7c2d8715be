#!/usr/bin/env bash
# gotify, a push-notification server in Go (gin + gorm + SQLite), checked against its own
# Swagger 2.0 document (docs/spec.json, written by go-swagger). Its web UI signs in with
# HTTP basic credentials, which make a client token (in a cookie; its other clients send it
# in `X-Gotify-Key`); user administration needs a session so made (elevated). Built from its own Go modules (the Go module proxy); the web UI,
# which is not under test, is an empty page. It listens on 127.0.0.1:8796.
#   backend.sh setup SOURCE   SOURCE: the fetched gotify/server
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=gotify
REPOSITORY=gotify/server
COMMIT=d543a8a
PORT=8796
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT

# A client token of user $1 (NAME:PASSWORD), elevated for an hour, as the web UI's is.
client_token() {
  local out id token
  out=$(curl -sf -u "$1" -X POST $B/client -H 'content-type: application/json' -d "{\"name\":\"$2\"}")
  id=$(echo "$out" | python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
  token=$(echo "$out" | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
  curl -sf -u "$1" -X POST $B/client/$id/elevate -H 'content-type: application/json' \
    -d '{"durationSeconds":3600}' >/dev/null
  echo "$token"
}

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    unpack "$source_dir" $COMMIT "$DIR/src"
    mkdir -p "$DIR/src/ui/build"
    echo '<!doctype html><title>gotify</title>' >"$DIR/src/ui/build/index.html"
    echo '{}' >"$DIR/src/ui/build/manifest.json"
    cp "$DIR/src/docs/spec.json" "$DIR/spec.json"
    (cd "$DIR/src" && go build -o "$DIR/server" .)
    ;;
  start)
    mkdir -p "$DIR/run" && rm -f "$DIR/run/gotify.db"
    cd "$DIR/run"
    GIN_MODE=release GOTIFY_SERVER_LISTENADDR=127.0.0.1 GOTIFY_SERVER_PORT=$PORT \
      GOTIFY_DATABASE_CONNECTION="$DIR/run/gotify.db" GOTIFY_DEFAULTUSER_PASS=admin-password-1 \
      GOTIFY_UPLOADEDIMAGESDIR="$DIR/run/images" GOTIFY_PLUGINSDIR="$DIR/run/plugins" \
      nohup "$DIR/server" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /version 30
    # The run's two users beside the admin the server makes on start.
    for user in accord-a:accord-password-1 accord-b:accord-password-2; do
      curl -sf -u admin:admin-password-1 -X POST $B/user -H 'content-type: application/json' \
        -d "{\"name\":\"${user%%:*}\",\"pass\":\"${user#*:}\",\"admin\":false}" >/dev/null
    done
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_USER=accord-a"
    echo "ACCORD_PASSWORD=accord-password-1"
    echo "ACCORD_USER_2=accord-b"
    echo "ACCORD_PASSWORD_2=accord-password-2"
    echo "ACCORD_ADMIN=admin"
    echo "ACCORD_ADMIN_PASSWORD=admin-password-1"
    ;;
  token)
    # A client token of its own, for a peer tool run beside the suite.
    echo "X-Gotify-Key: $(client_token accord-a:accord-password-1 peer)"
    echo "$DIR/spec.json"
    ;;
  *)
    usage
    ;;
esac
