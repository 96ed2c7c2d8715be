#!/usr/bin/env bash
# changedetection.io, a website change monitor in Python (Flask + flask-restful), checked
# against the OpenAPI 3.1 document it ships (`changedetectionio/docs/api-spec.yaml`): an
# API key in `x-api-key` (made by the instance on its first start), watches listed as an
# object keyed by their uuid, tags listed at `/tags` and made at `/tag`, notification URLs
# added, replaced and removed as one list, and its data in JSON files of its own. Its first
# start adds two example watches and two tags, which are none of the run's. Installed from
# PyPI at its release; it listens on 127.0.0.1:8812 (it fetches the pages it watches: here
# nothing outside answers).
#   backend.sh setup [SOURCE]   (from PyPI; no source needed)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=changedetection
REPOSITORY=local
VERSION=0.60.10
PORT=8812
DIR=$(backend_dir $NAME)

api_key() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["settings"]["application"]["api_access_token"])' \
    "$DIR/datastore/changedetection.json"
}

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q "changedetection.io==$VERSION"
    cp "$DIR"/venv/lib/python3*/site-packages/changedetectionio/docs/api-spec.yaml "$DIR/openapi.yaml"
    ;;
  start)
    port_free $PORT
    # A fresh data store each start: its first start writes the API key and the examples.
    rm -rf "$DIR/datastore" && mkdir -p "$DIR/datastore"
    nohup "$DIR/venv/bin/changedetection.io" -d "$DIR/datastore" -p $PORT -h 127.0.0.1 \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/systeminfo 60
    for _ in $(seq 1 30); do api_key >/dev/null 2>&1 && break; sleep 1; done
    echo "http://127.0.0.1:$PORT/api/v1"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_TOKEN=$(api_key)"
    ;;
  token)
    echo "x-api-key: $(api_key)"
    echo "$DIR/openapi.yaml"
    ;;
  *)
    usage
    ;;
esac
