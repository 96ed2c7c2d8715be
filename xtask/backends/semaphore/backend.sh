#!/usr/bin/env bash
# Semaphore, a web UI for Ansible and Terraform in Go (gorilla/mux + BoltDB), checked against
# the hand-written Swagger 2.0 document its repository ships (api-docs.yml): no operationId
# anywhere, a nullable field written as a list of types, the browser's session a cookie the
# sign-in sets (a 204 with no body) behind a `cookie` scheme that is an apiKey in the
# `Cookie` header, API tokens a signed-in user makes (`POST /user/tokens`) sent as
# `Authorization: Bearer <id>` where the spec's `bearer` scheme says no word, projects made
# at `/projects` and read at `/project/{project_id}/`. Built from its own Go modules (the Go
# module proxy); the web UI, which is not under test, is an empty page. It listens on
# 127.0.0.1:8797.
#   backend.sh setup SOURCE   SOURCE: the fetched semaphoreui/semaphore
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=semaphore
REPOSITORY=semaphoreui/semaphore
COMMIT=d4a27137
PORT=8797
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    mkdir -p "$DIR/src/api/public"
    echo '<!doctype html><title>semaphore</title>' >"$DIR/src/api/public/index.html"
    cp "$DIR/src/api-docs.yml" "$DIR/api-docs.yml"
    (cd "$DIR/src" && go build -o "$DIR/server" ./cli)
    ;;
  start)
    port_free $PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    rm -rf "$DIR/run" && mkdir -p "$DIR/run"
    secret() { head -c32 /dev/urandom | base64; }
    cat >"$DIR/run/config.json" <<JSON
{"dialect": "bolt", "bolt": {"host": "$DIR/run/database.boltdb"}, "port": ":$PORT",
 "interface": "127.0.0.1", "tmp_path": "$DIR/run/tmp", "cookie_hash": "$(secret)",
 "cookie_encryption": "$(secret)", "access_key_encryption": "$(secret)"}
JSON
    "$DIR/server" migrate --config "$DIR/run/config.json" >/dev/null
    # The run's two users, the first an admin (user administration is an admin's).
    "$DIR/server" user add --config "$DIR/run/config.json" --admin --login accord-a \
      --name "Accord A" --email accord-a@example.com --password accord-password-1 >/dev/null
    "$DIR/server" user add --config "$DIR/run/config.json" --login accord-b \
      --name "Accord B" --email accord-b@example.com --password accord-password-2 >/dev/null
    nohup "$DIR/server" server --config "$DIR/run/config.json" \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/ping 30
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
    ;;
  token)
    # An API token of the first user's, for a peer tool run beside the suite.
    jar=$(mktemp)
    curl -sf -c "$jar" -X POST $B/auth/login -H 'content-type: application/json' \
      -d '{"auth":"accord-a","password":"accord-password-1"}' >/dev/null
    token=$(curl -sf -b "$jar" -X POST $B/user/tokens \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
    rm -f "$jar"
    echo "Authorization: Bearer $token"
    echo "$DIR/api-docs.yml"
    ;;
  *)
    usage
    ;;
esac
