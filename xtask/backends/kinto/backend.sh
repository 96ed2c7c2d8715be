#!/usr/bin/env bash
# Kinto, a JSON storage service in Python (Pyramid + Cornice, its in-memory backend), checked
# against the Swagger 2.0 document it serves (`GET /v1/__api__`): no security declared while
# most of it asks for HTTP basic credentials (its accounts plugin), buckets, collections,
# groups and records under one another, `If-Match` on every operation, `POST /batch` running
# the requests its body names, collection-wide deletes (`DELETE /buckets`), and 403 for any
# bucket the caller may not see, deleted or never made. Installed from PyPI at its release,
# set up as `kinto init` writes it; the run's account is its admin (the only one the default
# configuration lets create buckets). It listens on 127.0.0.1:8790.
#   backend.sh setup [SOURCE]   (from PyPI; no source needed)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=kinto
REPOSITORY=local
VERSION=26.5.0
PORT=8790
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/v1
ADMIN=accord-admin-password-1

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q "kinto==$VERSION"
    ;;
  start)
    port_free $PORT
    # A fresh instance each start (memory backend), configured as `kinto init` writes it.
    rm -f "$DIR/config.ini"
    "$DIR/venv/bin/kinto" init --ini "$DIR/config.ini" --backend memory --cache-backend memory \
      >/dev/null 2>&1
    nohup "$DIR/venv/bin/kinto" start --ini "$DIR/config.ini" --port $PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /v1/__heartbeat__ 30
    curl -s -o /dev/null -X PUT $B/accounts/admin -H 'content-type: application/json' \
      -d "{\"data\": {\"password\": \"$ADMIN\"}}"
    curl -s $B/__api__ >"$DIR/openapi.json"
    echo "http://127.0.0.1:$PORT/v1"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_TOKEN=admin:$ADMIN"
    ;;
  token)
    # An account of its own, for a peer tool run beside the suite.
    curl -s -o /dev/null -X PUT $B/accounts/peer -H 'content-type: application/json' \
      -d '{"data": {"password": "peer-password-1"}}'
    echo "Authorization: Basic $(printf 'peer:peer-password-1' | base64)"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
