#!/usr/bin/env bash
# LNbits, a Lightning wallet and accounts server in Python (FastAPI, pydantic 1, its SQLite
# database), checked against the OpenAPI 3.1 document it serves (`GET /openapi.json`, 178
# operations): a user's bearer token from `POST /api/v1/auth` beside a wallet's key in
# `X-API-KEY` (or `?api-key=`), validation errors answered 400 where the spec documents
# FastAPI's 422, a sign-up that asks for the password twice (`password_repeat`) and takes
# user names of letters, digits, `.` and `_` alone, `usr` typed `format: uuid4` on every
# route, a node API that answers 501 on a wallet without a node, a block explorer that
# answers 503 while it is switched off, and routes that wait on services it cannot reach
# (a Phoenix node, the extension registry). Installed from PyPI at its release, with the
# bitstring its bolt11 still imports `ConstBitStream` from; the FakeWallet funding source.
# Each start is a fresh data folder: the super user made through its first-install form,
# the run's user signed up, and that user's wallet's admin key read as its frontend reads it.
# It listens on 127.0.0.1:8823.
#   backend.sh setup [SOURCE]   (from PyPI; no source needed)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=lnbits
REPOSITORY=local
VERSION=1.6.2
PORT=8823
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT
USER_NAME=accordqa
USER_PASSWORD=accord-qa-pass-1

json_field() {
  python3 -c "import json, sys; v = json.load(sys.stdin); print($1)"
}

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q "lnbits==$VERSION" 'bitstring<4.2'
    ;;
  start)
    port_free $PORT
    rm -rf "$DIR/data"
    mkdir -p "$DIR/data"
    # Its settings write a key into their data folder on import: the run's own folder.
    site=$(cd "$DIR" && LNBITS_DATA_FOLDER="$DIR/data" "$DIR/venv/bin/python" \
      -c 'import lnbits, os; print(os.path.dirname(os.path.dirname(lnbits.__file__)))')
    # It serves its static files from `lnbits/static` under the folder it starts in.
    cd "$site"
    LNBITS_DATA_FOLDER="$DIR/data" LNBITS_BACKEND_WALLET_CLASS=FakeWallet LNBITS_ADMIN_UI=true \
      nohup "$DIR/venv/bin/lnbits" --host 127.0.0.1 --port $PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/health 120
    curl -s -o /dev/null -X PUT "$B/api/v1/auth/first_install" -H 'content-type: application/json' \
      -d '{"username": "accordadmin", "password": "accord-admin-pass-1", "password_repeat": "accord-admin-pass-1"}'
    curl -s -o /dev/null -X POST "$B/api/v1/auth/register" -H 'content-type: application/json' \
      -d "{\"username\": \"$USER_NAME\", \"email\": \"$USER_NAME@example.com\", \"password\": \"$USER_PASSWORD\", \"password_repeat\": \"$USER_PASSWORD\"}"
    token=$(curl -s -X POST "$B/api/v1/auth" -H 'content-type: application/json' \
      -d "{\"username\": \"$USER_NAME\", \"password\": \"$USER_PASSWORD\"}" | json_field 'v["access_token"]')
    curl -s "$B/api/v1/wallets" -H "Authorization: Bearer $token" | json_field 'v[0]["adminkey"]' >"$DIR/key"
    curl -s "$B/openapi.json" >"$DIR/openapi.json"
    echo "$B"
    ;;
  stop)
    # Its command starts the server as a child process of its own, which outlives it.
    pkill -P "$(cat "$DIR/server.pid" 2>/dev/null || echo 0)" 2>/dev/null || true
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_NAME=$USER_NAME"
    echo "ACCORD_USER=$USER_NAME@example.com"
    echo "ACCORD_PASSWORD=$USER_PASSWORD"
    echo "ACCORD_API_KEY=$(cat "$DIR/key")"
    ;;
  token)
    # The user's bearer token, for a peer tool run beside the suite.
    token=$(curl -s -X POST "$B/api/v1/auth" -H 'content-type: application/json' \
      -d "{\"username\": \"$USER_NAME\", \"password\": \"$USER_PASSWORD\"}" | json_field 'v["access_token"]')
    echo "Authorization: Bearer $token"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
