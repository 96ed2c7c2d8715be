#!/usr/bin/env bash
# oapi-codegen's "petstore expanded" example servers: one OpenAPI 3.0 document
# (examples/petstore-expanded/petstore-expanded.yaml), served through the code oapi-codegen
# generates for each Go router, behind its OpenAPI request validator. `OAPI_ROUTER` picks
# the router: chi (the default), gin, echo, gorilla, stdhttp, fiber or strict. No
# authentication; errors are `{"code", "message"}` where the handlers write them, and what
# the validator or the router answers of its own. Built from its own Go modules (the Go
# module proxy); the example's listen address is made loopback-only (`0.0.0.0` becomes
# `127.0.0.1` in its petstore.go), nothing else changed. It listens on 127.0.0.1:8814, its
# pets in memory: each start is fresh. Its broken copies (broken.tsv, `--broken`) each
# change one line of the example's store: a delete that keeps the pet, a `limit` ignored,
# a name read back changed.
#   backend.sh setup SOURCE   SOURCE: the fetched oapi-codegen/oapi-codegen
#   backend.sh start | stop | credentials
source "$(dirname "$0")/../lib.sh"
NAME=oapi-petstore
REPOSITORY=oapi-codegen/oapi-codegen
COMMIT=de3a0e3a
PORT=8814
DIR=$(backend_dir $NAME)
ROUTER=${OAPI_ROUTER:-chi}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    example="$DIR/src/examples/petstore-expanded"
    sed -i 's/"0\.0\.0\.0"/"127.0.0.1"/' "$example/$ROUTER/petstore.go"
    grep -q '"127.0.0.1"' "$example/$ROUTER/petstore.go" \
      || { echo "error: $ROUTER/petstore.go names no listen address to make loopback-only" >&2; exit 1; }
    cp "$example/petstore-expanded.yaml" "$DIR/spec.yaml"
    (cd "$DIR/src/examples" && go build -o "$DIR/server-$ROUTER" "./petstore-expanded/$ROUTER")
    # The broken copies broken.tsv lists, each one change to the store, built beside it.
    store="$example/$ROUTER/server/store.go"
    cp "$store" "$DIR/store.go.orig"
    while IFS=$'\t' read -r broken _; do
      case "$broken" in
        ''|'#'*) continue ;;
        kept_deleted) change='s/^\tdelete(p.Pets, id)$/\t_ = id \/\/ broken: a deleted pet stays/' ;;
        limit_ignored) change='s/^\t\tif limit != nil {$/\t\tif limit != nil \&\& false {/' ;;
        name_changed) change='s/^\treturn pet, nil$/\tpet.Name = "Mr " + pet.Name\n\treturn pet, nil/' ;;
        *) echo "error: no change for the broken copy $broken" >&2; exit 1 ;;
      esac
      sed "$change" "$DIR/store.go.orig" >"$store"
      cmp -s "$store" "$DIR/store.go.orig" && { echo "error: $broken changed nothing" >&2; exit 1; }
      (cd "$DIR/src/examples" && go build -o "$DIR/server-$ROUTER-$broken" "./petstore-expanded/$ROUTER")
    done <"$(dirname "$0")/broken.tsv"
    cp "$DIR/store.go.orig" "$store"
    ;;
  start)
    port_free $PORT
    nohup "$DIR/server-$ROUTER${ACCORD_BROKEN:+-$ACCORD_BROKEN}" -port $PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /pets 30
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # No authentication: nothing to give.
    ;;
  *)
    usage
    ;;
esac
