#!/usr/bin/env bash
# shiori, a bookmarks manager in Go (its own HTTP router + SQLite), checked against the
# Swagger 2.0 document swaggo writes for it (docs/swagger/swagger.yaml): no operationIds, every
# answer wrapped in `{"ok", "message"}` where the spec declares the bare one, a JWT from
# `POST /api/v1/auth/login` in `Authorization: Bearer`, and its web app's page answering any
# path it does not route, the API's own included. Built from its own Go modules (the Go
# module proxy). It listens on 127.0.0.1:8775, with the account a fresh instance makes
# (shiori, gopher).
#   backend.sh setup SOURCE   SOURCE: the fetched go-shiori/shiori
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=shiori
REPOSITORY=go-shiori/shiori
COMMIT=585ea341
PORT=8775
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api/v1

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    cp "$DIR/src/docs/swagger/swagger.yaml" "$DIR/swagger.yaml"
    (cd "$DIR/src" && go build -o "$DIR/shiori" .)
    ;;
  start)
    port_free $PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    rm -rf "$DIR/data" && mkdir -p "$DIR/data"
    SHIORI_HTTP_SECRET_KEY=accord-check-secret nohup "$DIR/shiori" server -a 127.0.0.1 -p $PORT \
      --storage-directory "$DIR/data" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/system/info 30
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_USER=shiori"
    echo "ACCORD_PASSWORD=gopher"
    ;;
  token)
    token=$(curl -s -X POST $B/auth/login -H 'content-type: application/json' \
      -d '{"username":"shiori","password":"gopher"}' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["message"]["token"])')
    echo "Authorization: Bearer $token"
    echo "$DIR/swagger.yaml"
    ;;
  *)
    usage
    ;;
esac
