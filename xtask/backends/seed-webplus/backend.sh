#!/usr/bin/env bash
# A second service built the way the user's documents describe one (seed 004, "Web+"):
# FastAPI, a sign-in by user name answering the access and refresh tokens in its body,
# service API keys in `X-API-Key` beside the user's bearer token, every error in
# `{"error", "message", "details", "request_id", "timestamp"}`, `X-Total-Count` on its list,
# a WebSocket at `/ws?token=` pushing events to the owner of what changes:
# app.py beside this script, written for the corpus. Run by uvicorn on 127.0.0.1:8799 from
# PyPI at the pins below, against the OpenAPI document it serves; its data in memory, so
# each start is a fresh backend. `ACCORD_BROKEN=NAME` starts a broken copy (broken.tsv).
#   backend.sh setup SOURCE   SOURCE: this workspace (nothing is fetched)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=seed-webplus
REPOSITORY=local
PORT=8799
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "fastapi==0.163.2" "uvicorn==0.38.0" "pyjwt==2.10.1" "websockets==15.0.1"
    ;;
  start)
    seed_start "$DIR" "$HERE" $PORT
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_USER=operator"
    echo "ACCORD_PASSWORD=accord-password-1"
    ;;
  token)
    # The bearer header of an account of its own, for a peer tool run beside the suite.
    base=http://127.0.0.1:$PORT/auth
    curl -s -X POST "$base/register" -H 'content-type: application/json' \
      -d '{"username":"peer","password":"peer-password-1","full_name":"Peer"}' >/dev/null
    token=$(curl -s -X POST "$base/login" -H 'content-type: application/json' \
      -d '{"username":"peer","password":"peer-password-1"}' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
    echo "Authorization: Bearer $token"
    echo "http://127.0.0.1:$PORT/openapi.json"
    ;;
  *)
    usage
    ;;
esac
