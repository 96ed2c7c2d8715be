#!/usr/bin/env bash
# A service built the way the user's documents describe one (FastAPI, bearer access token,
# refresh token in an HttpOnly cookie with rotation, double-submit CSRF, every error in
# `{"detail": {"code", "message", "params"}}`, a CORS allow-list, a rate-limited login):
# app.py beside this script, written for the corpus. Run by uvicorn on 127.0.0.1:8798 from
# PyPI at the pins below, against the OpenAPI document it serves; SQLite in memory, so each
# start is a fresh backend. `ACCORD_BROKEN=NAME` starts a broken copy (broken.tsv).
#   backend.sh setup SOURCE   SOURCE: this workspace (nothing is fetched)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=seed-fastapi
REPOSITORY=local
PORT=8798
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "fastapi==0.163.2" "uvicorn==0.38.0" "pyjwt==2.10.1" "email-validator==2.4.0"
    ;;
  start)
    seed_start "$DIR" "$HERE" $PORT
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_USER=driver@example.com"
    echo "ACCORD_PASSWORD=accord-password-1"
    ;;
  token)
    # The bearer header of an account of its own, for a peer tool run beside the suite.
    base=http://127.0.0.1:$PORT/api/v1/auth
    curl -s -X POST "$base/register" -H 'content-type: application/json' \
      -d '{"email":"peer@example.com","password":"peer-password-1","full_name":"Peer"}' >/dev/null
    token=$(curl -s -X POST "$base/login" -H 'content-type: application/json' \
      -d '{"email":"peer@example.com","password":"peer-password-1"}' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
    echo "Authorization: Bearer $token"
    echo "http://127.0.0.1:$PORT/openapi.json"
    ;;
  *)
    usage
    ;;
esac
