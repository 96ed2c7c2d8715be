#!/usr/bin/env bash
# accord's own reference backend (crates/reference-server), run beside the real backends so
# the side-by-side with Schemathesis covers it too. Built from this workspace (no fetched
# source); its profile is the one `cargo xtask verify` uses. Short-lived access tokens, as
# verify starts it, so the expiry checks run.
#   backend.sh setup SOURCE   (SOURCE is not used)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=reference
REPOSITORY=local
PROFILE=fixtures/profiles/reference.toml
PORT=8790
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    (cd "$ROOT" && cargo build --quiet -p reference-server)
    ;;
  start)
    rm -rf "$DIR/data" && mkdir -p "$DIR/data"
    ACCORD_ACCESS_TOKEN_TTL=5 ACCORD_TOKEN_LEEWAY=2 ACCORD_DATA_DIR="$DIR/data" \
      nohup "$ROOT/target/debug/reference-server" --listen 127.0.0.1:$PORT \
      --storage-listen 127.0.0.1:$((PORT + 1)) >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /healthz 30
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # The profile names its own account (registered by the run).
    ;;
  token)
    # The bearer token of an account of its own, for a peer tool run beside the suite.
    B=http://127.0.0.1:$PORT/api/v1
    curl -s -X POST $B/auth/register -H 'content-type: application/json' \
      -d '{"email":"peer@example.com","password":"peer-password-1"}' >/dev/null
    token=$(curl -s -X POST $B/auth/login -H 'content-type: application/json' \
      -d '{"email":"peer@example.com","password":"peer-password-1"}' \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    echo "Authorization: Bearer $token"
    echo "$ROOT/openapi/api.yaml"
    ;;
  *)
    usage
    ;;
esac
