#!/usr/bin/env bash
# memos, a note-taking service in Go (gRPC services behind a gRPC-gateway REST API + SQLite),
# checked against the OpenAPI 3.0 document its repository generates from its protos
# (proto/gen/openapi.yaml): no security declared, errors in a `Status` body, resources named
# as Google's API design names them (`{"name": "memos/Ab3"}`), a sign-in whose credentials
# sit in a `passwordCredentials` object, and its web app answering every path outside
# `/api/v1` with its page. Built from its own Go modules (the Go module proxy) with the Go
# its go.mod asks for (go1.27, fetched as a toolchain module); the web app, which is not
# under test, is an empty page. It listens on 127.0.0.1:8770.
#   backend.sh setup SOURCE   SOURCE: the fetched usememos/memos
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=memos
REPOSITORY=usememos/memos
COMMIT=76a762924
PORT=8770
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api/v1

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    mkdir -p "$DIR/src/server/router/frontend/dist"
    echo '<!doctype html><title>memos</title>' >"$DIR/src/server/router/frontend/dist/index.html"
    cp "$DIR/src/proto/gen/openapi.yaml" "$DIR/openapi.yaml"
    (cd "$DIR/src" && GOTOOLCHAIN=go1.27.3 go build -o "$DIR/memos" ./cmd/memos)
    ;;
  start)
    port_free $PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    rm -rf "$DIR/data" && mkdir -p "$DIR/data"
    nohup "$DIR/memos" --addr 127.0.0.1 --port $PORT --data "$DIR/data" \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/instance/profile 30
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # The run's first account, which its sign-up makes (the first account of a fresh
    # instance is its admin).
    echo "ACCORD_NAME=accorda"
    echo "ACCORD_USER=accord-a@example.com"
    echo "ACCORD_PASSWORD=accord-password-1"
    ;;
  token)
    # An account of its own, for a peer tool run beside the suite.
    curl -s -X POST $B/users -H 'content-type: application/json' \
      -d '{"username":"peer","email":"peer@example.com","password":"peer-password-1"}' >/dev/null
    token=$(curl -s -X POST $B/auth/signin -H 'content-type: application/json' \
      -d '{"passwordCredentials":{"username":"peer","password":"peer-password-1"}}' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["accessToken"])')
    echo "Authorization: Bearer $token"
    echo "$DIR/openapi.yaml"
    ;;
  *)
    usage
    ;;
esac
