#!/usr/bin/env bash
# A RealWorld ("Conduit") backend in NestJS 11 (Fastify, Prisma 7 with its PostgreSQL
# adapter, passport-jwt, class-validator), checked against the spec its Swagger module
# serves (`/api-json`): every answer documented only as `default`, an http bearer scheme
# where the backend takes `Authorization: Token <jwt>`, NestJS's `{"message", "statusCode"}`
# errors. Installed with pnpm from its own lockfile, built with its own `nest build`, run on
# 127.0.0.1:8720 (loopback.cjs moves its listen on 0.0.0.0:3000; its source is not changed)
# with Debian's PostgreSQL.
#   backend.sh setup SOURCE   SOURCE: the fetched adr1enbe4udou1n/nestjs-realworld-example-app
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=nestjs-conduit
REPOSITORY=adr1enbe4udou1n/nestjs-realworld-example-app
COMMIT=17369a9
PORT=8720
PG_PORT=25720
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api

environment() {
  export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/conduit
  export JWT_SECRET=accord-check-jwt-secret
}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    environment
    cd "$DIR/src"
    # pnpm at the major its lockfile (v9) is written by; the lockfile pins every package.
    npx -y pnpm@10.34.9 install --frozen-lockfile --reporter=silent
    # `prisma generate` needs no engine (Prisma 7's client runs on the pg adapter), but the
    # CLI fetches its schema engine from a host this machine does not reach before it
    # starts: it is given one that is never run. The migration is applied with psql below.
    printf '#!/bin/sh\nexit 1\n' >"$DIR/no-schema-engine" && chmod +x "$DIR/no-schema-engine"
    PRISMA_SCHEMA_ENGINE_BINARY="$DIR/no-schema-engine" npx prisma generate >/dev/null
    npx nest build
    ;;
  start)
    environment
    port_free $PORT
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT conduit
    for migration in "$DIR"/src/prisma/migrations/*/migration.sql; do
      as_pg "$(pg_bin)/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres conduit \
        -f "$migration" >/dev/null
    done
    cd "$DIR/src"
    ACCORD_LISTEN_PORT=$PORT nohup node --require "$HERE/../loopback.cjs" dist/src/main.js \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/tags 60
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    # The first account the run registers (the second is derived from it).
    realworld_credentials
    ;;
  token)
    # The header of an account of its own, as the backend takes it, for a peer tool run
    # beside the suite; then the spec it serves.
    token=$(realworld_token "$B")
    echo "Authorization: Token $token"
    echo "http://127.0.0.1:$PORT/api-json"
    ;;
  *)
    usage
    ;;
esac
