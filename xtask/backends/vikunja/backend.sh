#!/usr/bin/env bash
# Vikunja, a to-do service in Go (echo + PostgreSQL), checked against the Swagger 2.0 document
# swag writes for it (pkg/swagger/swagger.yaml): no operationIds; an apiKey scheme in
# `Authorization` that says no word before the token, where the backend takes only `Bearer`;
# creates by `PUT` on a collection (201) and updates by `POST` on an item; 403 documented as
# "no access to the project" and never 401; administrators' routes answered 404 to anyone
# else; a refresh token in an HttpOnly cookie scoped to its refresh route; routes the spec
# documents that this deployment does not serve (the Unsplash, OpenID and most migration
# routes, which need configuration; `/test/all`, its testing mode's). It keeps a limit of 10
# requests a minute per address on the routes before sign-in (sign-up, sign-in, password
# reset); this test instance raises it, as the run signs up and in more often than that
# (`VIKUNJA_RATELIMIT_NOAUTHLIMIT`). On SQLite, its default, concurrent writes answer 500
# (`database is locked`); it runs on PostgreSQL here, as its own deployments do.
# Built from its own Go modules (the Go module proxy), two of them from their fetched
# repositories, which the module proxy here does not serve: xormigrate (a vanity host) and
# the caldav-go fork its go.mod pins. The pinned commit is the last that builds with that
# fork's fetched snapshot. It listens on 127.0.0.1:8805.
#   backend.sh setup SOURCE   SOURCE: the fetched go-vikunja/vikunja; techknowlogick/xormigrate
#                             and kolaente/caldav-go fetched beside it
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=vikunja
REPOSITORY=go-vikunja/vikunja
COMMIT=0ad2e70b3
XORMIGRATE=v1.7.1
CALDAV=a55d55891017
PORT=8805
PG_PORT=25805
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api/v1

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    beside=$(dirname "$source_dir")/..
    unpack "$source_dir" $COMMIT "$DIR/src"
    unpack "$beside/techknowlogick+xormigrate/repo" $XORMIGRATE "$DIR/xormigrate"
    unpack "$beside/kolaente+caldav-go/repo" $CALDAV "$DIR/caldav-go"
    # The fork has no go.mod (a module of the GOPATH era): its path is the one replaced.
    printf 'module github.com/samedi/caldav-go\n\ngo 1.13\n' >"$DIR/caldav-go/go.mod"
    # The web frontend is embedded from frontend/dist, which is built with npm and not
    # committed: a page stands in for it (the API is what is checked).
    mkdir -p "$DIR/src/frontend/dist"
    echo '<!doctype html><title>Vikunja</title>' >"$DIR/src/frontend/dist/index.html"
    cp "$DIR/src/pkg/swagger/swagger.yaml" "$DIR/swagger.yaml"
    (cd "$DIR/src" \
      && go mod edit -replace src.techknowlogick.com/xormigrate="$DIR/xormigrate" \
        -replace github.com/samedi/caldav-go="$DIR/caldav-go" \
      && GOFLAGS=-mod=mod go build -o "$DIR/vikunja" .)
    ;;
  start)
    port_free $PORT
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT vikunja
    rm -rf "$DIR/files" && mkdir -p "$DIR/files"
    cd "$DIR"
    VIKUNJA_SERVICE_INTERFACE=127.0.0.1:$PORT VIKUNJA_SERVICE_PUBLICURL=http://127.0.0.1:$PORT/ \
      VIKUNJA_SERVICE_JWTSECRET=accord-check-jwt-secret-0123456789abcdef \
      VIKUNJA_DATABASE_TYPE=postgres VIKUNJA_DATABASE_HOST=127.0.0.1:$PG_PORT \
      VIKUNJA_DATABASE_USER=postgres VIKUNJA_DATABASE_PASSWORD= VIKUNJA_DATABASE_DATABASE=vikunja \
      VIKUNJA_DATABASE_SSLMODE=disable VIKUNJA_FILES_BASEPATH="$DIR/files" \
      VIKUNJA_RATELIMIT_NOAUTHLIMIT=100000 \
      nohup "$DIR/vikunja" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/info 60
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    # The run's first account, which its sign-up makes.
    echo "ACCORD_USER=accord-a@example.com"
    echo "ACCORD_NAME=accorda"
    echo "ACCORD_PASSWORD=accord-password-1"
    ;;
  token)
    # An account of its own, for a peer tool run beside the suite.
    curl -s -X POST $B/register -H 'content-type: application/json' \
      -d '{"username":"peer","email":"peer@example.com","password":"peer-password-1"}' >/dev/null
    token=$(curl -s -X POST $B/login -H 'content-type: application/json' \
      -d '{"username":"peer","password":"peer-password-1"}' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
    echo "Authorization: Bearer $token"
    echo "$DIR/swagger.yaml"
    ;;
  *)
    usage
    ;;
esac
