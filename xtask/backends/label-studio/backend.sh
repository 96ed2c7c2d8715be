#!/usr/bin/env bash
# Label Studio, a data labelling tool in Python (Django REST framework, drf-spectacular, its
# SQLite database), checked against the OpenAPI 3.0 document it serves
# (`GET /docs/api/schema/?format=json`, 190 operations): an `apiKey` scheme that writes
# `Authorization: Token`, while the legacy token is off by default and the personal access
# token (a JWT refresh token) is exchanged at `POST /api/token/refresh/` for an access token
# the backend takes only after `Bearer`; projects, tasks, predictions and annotations under
# one another, the organization's own settings at `/api/jwt/settings`, an HTML page for an
# unknown route. Installed from PyPI at its release (sentry-sdk below 3, which its start
# needs); each start is a fresh data folder, its admin made by `label-studio start`, and a
# personal access token made through its sign-in form, as a user makes one in its web UI.
# It listens on 127.0.0.1:8822.
#   backend.sh setup [SOURCE]   (from PyPI; no source needed)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=label-studio
REPOSITORY=local
VERSION=1.23.2
PORT=8822
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT
ADMIN=accord-admin@example.com
PASSWORD=accord-Admin-pass-1

# A personal access token of the admin's, made through the sign-in form (a session and its
# CSRF token), as the web UI makes one.
personal_token() {
  local jar="$DIR/cookies" csrf
  rm -f "$jar"
  csrf=$(curl -s -c "$jar" -b "$jar" "$B/user/login/" |
    grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' | sed 's/.*value="//;s/"$//')
  curl -s -o /dev/null -c "$jar" -b "$jar" -X POST "$B/user/login/" -H "Referer: $B/user/login/" \
    --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode "email=$ADMIN" \
    --data-urlencode "password=$PASSWORD"
  csrf=$(awk '$6 == "csrftoken" {print $7}' "$jar")
  curl -s -b "$jar" -X POST "$B/api/token/" -H "X-CSRFToken: $csrf" -H "Referer: $B/" \
    -H 'content-type: application/json' -d '{}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q "label-studio==$VERSION" 'sentry-sdk<3'
    ;;
  start)
    port_free $PORT
    rm -rf "$DIR/data"
    mkdir -p "$DIR/data"
    LABEL_STUDIO_BASE_DATA_DIR="$DIR/data" nohup "$DIR/venv/bin/label-studio" start \
      --no-browser --host 127.0.0.1 --port $PORT --username "$ADMIN" --password "$PASSWORD" \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /health 240
    personal_token >"$DIR/pat"
    curl -s "$B/docs/api/schema/?format=json" >"$DIR/openapi.json"
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_PAT=$(cat "$DIR/pat")"
    ;;
  token)
    # An access token of the admin's, for a peer tool run beside the suite.
    access=$(curl -s -X POST "$B/api/token/refresh/" -H 'content-type: application/json' \
      -d "{\"refresh\": \"$(cat "$DIR/pat")\"}" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["access"])')
    echo "Authorization: Bearer $access"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
