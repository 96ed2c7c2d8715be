#!/usr/bin/env bash
# Unleash 7.4 (the last for Node.js 20), a feature-flag service in Node.js (Express + Knex)
# on a private PostgreSQL, checked against the OpenAPI 3.0 document it serves
# (`/docs/openapi.json`, 211 operations): every route but the health checks secured by an
# `apiKey` in `Authorization` (no word before it) or a bearer token, the admin's personal
# access token (made at setup through the web app's session sign-in, `POST /auth/simple/login`),
# errors in `{"id", "name", "message", "details"}`, validation refused with 400, and ten
# sign-ins a minute. Installed from npm at its pin; it listens on 127.0.0.1:8810.
#   backend.sh setup SOURCE   SOURCE: this workspace (nothing fetched)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=unleash
REPOSITORY=local
VERSION=7.4.1
PORT=8810
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25810
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT
ADMIN_USER=admin
ADMIN_PASSWORD=admin-password-1

serve() {
  cd "$DIR/app"
  UNLEASH_DATABASE=$1 nohup node server.cjs >"$DIR/server.log" 2>&1 </dev/null &
  echo $! >"$DIR/server.pid"
  wait_http $PORT /health 60
}

# The admin's personal access token, made through a session sign-in.
make_token() {
  local jar="$DIR/session.txt"
  curl -sf -c "$jar" -X POST $B/auth/simple/login -H 'content-type: application/json' \
    -d "{\"username\":\"$ADMIN_USER\",\"password\":\"$ADMIN_PASSWORD\"}" >/dev/null
  curl -sf -b "$jar" -X POST $B/api/admin/user/tokens -H 'content-type: application/json' \
    -d '{"description":"accord","expiresAt":"2099-01-01T00:00:00Z"}' \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["secret"])'
  rm -f "$jar"
}

case "${1:-}" in
  setup)
    mkdir -p "$DIR/app"
    cd "$DIR/app"
    echo '{"name": "accord-unleash", "private": true}' >package.json
    npm install --ignore-scripts --no-audit --no-fund "unleash-server@$VERSION" >"$DIR/install.log" 2>&1 \
      || { echo "error: npm install failed (see $DIR/install.log)" >&2; exit 1; }
    cat >server.cjs <<JS
const unleash = require('unleash-server');
unleash.start({
  db: { host: '127.0.0.1', port: $PG_PORT, user: 'postgres', password: '',
        database: process.env.UNLEASH_DATABASE, ssl: false },
  server: { port: $PORT, host: '127.0.0.1' },
  enableOAS: true,
  authentication: { initialAdminUser: { username: '$ADMIN_USER', password: '$ADMIN_PASSWORD' } },
});
JS
    # The migrated database with the admin's token, once: each start copies it.
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT installed
    port_free $PORT
    serve installed
    make_token >"$DIR/token.txt"
    curl -sf $B/docs/openapi.json >"$DIR/openapi.json"
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  start)
    port_free $PORT
    pg_start "$DIR/pg" $PG_PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    as_pg "$(pg_bin)/dropdb" --if-exists -h 127.0.0.1 -p $PG_PORT -U postgres unleash 2>/dev/null
    as_pg "$(pg_bin)/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres -T installed unleash
    serve unleash
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    echo "ACCORD_USER=$ADMIN_USER"
    echo "ACCORD_PASSWORD=$ADMIN_PASSWORD"
    echo "ACCORD_TOKEN=$(cat "$DIR/token.txt")"
    echo "ACCORD_API_KEY=$(cat "$DIR/token.txt")"
    ;;
  token)
    echo "Authorization: $(cat "$DIR/token.txt")"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
