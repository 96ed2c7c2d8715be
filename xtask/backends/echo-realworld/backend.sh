#!/usr/bin/env bash
# A RealWorld ("Conduit") backend in Go (echo + gorm + SQLite), checked against the RealWorld
# project's own OpenAPI document (its own Swagger 2.0 file is not what its clients use).
# Built from its own Go modules (the Go module proxy); it listens on 127.0.0.1:8585 itself.
#   backend.sh setup SOURCE   SOURCE: the fetched xesina/golang-echo-realworld-example-app
#   backend.sh start | stop | credentials
# The spec comes from the fetched gothinkster/realworld (SPEC_REPOSITORY at SPEC_COMMIT),
# found beside SOURCE.
source "$(dirname "$0")/../lib.sh"
NAME=echo-realworld
REPOSITORY=xesina/golang-echo-realworld-example-app
COMMIT=2afa470
SPEC_REPOSITORY=gothinkster/realworld
SPEC_COMMIT=747190e
PORT=8585
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    spec_git="$(dirname "$source_dir")/../${SPEC_REPOSITORY/\//+}/repo"
    unpack "$source_dir" $COMMIT "$DIR/src"
    unpack "$spec_git" $SPEC_COMMIT "$DIR/spec" api/openapi.yml
    cp "$DIR/spec/api/openapi.yml" "$DIR/openapi.yml"
    (cd "$DIR/src" && go build -o "$DIR/server" .)
    ;;
  start)
    mkdir -p "$DIR/run" && rm -f "$DIR/run/realworld.db"
    cd "$DIR/run"
    nohup "$DIR/server" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/tags 30
    echo "http://127.0.0.1:$PORT/api"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    realworld_credentials
    ;;
  token)
    realworld_token_command http://127.0.0.1:$PORT/api Token "$DIR/openapi.yml"
    ;;
  *)
    usage
    ;;
esac
