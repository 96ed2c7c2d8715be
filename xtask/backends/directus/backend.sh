#!/usr/bin/env bash
# Directus 10.10 (the last for Node.js 20), a headless CMS in Node.js (Express + Knex) on a
# private PostgreSQL, checked against the OpenAPI 3.0 document it serves its admin
# (`/server/specs/oas`): answers wrapped in `{"data": ...}`, errors in `{"errors": [...]}`,
# a sign-in answering both tokens in its body, an `Auth` scheme in `Authorization` whose
# `Bearer` the spec does not say, and a `KeyAuth` scheme taking a user's static token in the
# `access_token` query parameter (the admin's, set at setup). Installed from npm at its pin (its native isolated-vm built
# here against Node.js's own headers). It listens on 127.0.0.1:8780, with the admin its
# bootstrap makes.
#   backend.sh setup SOURCE   SOURCE: this workspace (nothing fetched)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=directus
REPOSITORY=local
VERSION=10.10.0
PORT=8780
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25780
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD=admin-password-1
STATIC_TOKEN=accord0static0token0for0the0admin00001

environment() {
  export HOST=127.0.0.1 PORT=$PORT PUBLIC_URL=$B DB_CLIENT=pg DB_HOST=127.0.0.1
  export DB_PORT=$PG_PORT DB_DATABASE=$1 DB_USER=postgres DB_PASSWORD=
  export KEY=accord-check-key-0123456789 SECRET=accord-check-secret-0123456789
  export ADMIN_EMAIL ADMIN_PASSWORD TELEMETRY=false RATE_LIMITER_ENABLED=false
  export EXTENSIONS_PATH="$DIR/app/extensions"
}

admin_token() {
  curl -sf -X POST $B/auth/login -H 'content-type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"]["access_token"])'
}

serve() {
  cd "$DIR/app"
  nohup node_modules/.bin/directus start >"$DIR/server.log" 2>&1 </dev/null &
  echo $! >"$DIR/server.pid"
  wait_http $PORT /server/ping 60
}

case "${1:-}" in
  setup)
    mkdir -p "$DIR/app/extensions"
    cd "$DIR/app"
    echo '{"name": "accord-directus", "private": true}' >package.json
    npm install --ignore-scripts --no-audit --no-fund "directus@$VERSION" pg@8 >"$DIR/install.log" 2>&1 \
      || { echo "error: npm install failed (see $DIR/install.log)" >&2; exit 1; }
    npm rebuild isolated-vm --nodedir=/usr >>"$DIR/install.log" 2>&1 \
      || { echo "error: isolated-vm did not build (see $DIR/install.log)" >&2; exit 1; }
    # The bootstrapped database, once: each start copies it.
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT installed
    environment installed
    node_modules/.bin/directus bootstrap >"$DIR/bootstrap.log" 2>&1 \
      || { echo "error: directus bootstrap failed (see $DIR/bootstrap.log)" >&2; exit 1; }
    # The spec it serves its admin, whole.
    port_free $PORT
    serve
    token=$(admin_token)
    curl -sf -H "Authorization: Bearer $token" $B/server/specs/oas >"$DIR/openapi.json"
    # The admin's static token, which the spec's `KeyAuth` scheme takes in `access_token`.
    curl -sf -X PATCH $B/users/me -H "Authorization: Bearer $token" -H 'content-type: application/json' \
      -d "{\"token\":\"$STATIC_TOKEN\"}" >/dev/null
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  start)
    port_free $PORT
    pg_start "$DIR/pg" $PG_PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    as_pg "$(pg_bin)/dropdb" --if-exists -h 127.0.0.1 -p $PG_PORT -U postgres directus 2>/dev/null
    as_pg "$(pg_bin)/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres -T installed directus
    environment directus
    serve
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    echo "ACCORD_USER=$ADMIN_EMAIL"
    echo "ACCORD_PASSWORD=$ADMIN_PASSWORD"
    echo "ACCORD_API_KEY=$STATIC_TOKEN"
    ;;
  token)
    echo "Authorization: Bearer $(admin_token)"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
