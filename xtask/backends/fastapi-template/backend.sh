#!/usr/bin/env bash
# The Full Stack FastAPI Template's backend (FastAPI + SQLModel + PostgreSQL), run on
# 127.0.0.1:8711 from its own dependencies (PyPI) and Debian's PostgreSQL.
# Its broken copies (broken.tsv, `--broken`) each change one line of its items routes.
#   backend.sh setup SOURCE   SOURCE: the repository fetched at any commit holding the pin
#   backend.sh start | stop | credentials
# The pin: the last commit whose backend runs on Python 3.10+ (later ones need 3.14).
source "$(dirname "$0")/../lib.sh"
NAME=fastapi-template
REPOSITORY=fastapi/full-stack-fastapi-template
COMMIT=f459c20a
PORT=8711
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25711
DIR=$(backend_dir $NAME)

environment() {
  export PROJECT_NAME=accord-check ENVIRONMENT=local SECRET_KEY=accord-check-secret-key-0123456789
  export POSTGRES_SERVER=127.0.0.1 POSTGRES_PORT=$PG_PORT POSTGRES_USER=postgres
  export POSTGRES_PASSWORD=accord POSTGRES_DB=app
  export FIRST_SUPERUSER=admin@example.com FIRST_SUPERUSER_PASSWORD=accord-admin-password
  export BACKEND_CORS_ORIGINS=http://localhost:5173 FRONTEND_HOST=http://localhost:5173
}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src" backend
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check "$DIR/src/backend"
    ;;
  start)
    environment
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT app
    app="$DIR/src/backend"
    # A broken copy (broken.tsv, `--broken`): the backend linked file by file, one line of
    # its items routes changed (sed writes a new file, so the source stays as fetched).
    if [ -n "${ACCORD_BROKEN:-}" ]; then
      rm -rf "$DIR/broken" && cp -al "$DIR/src/backend" "$DIR/broken"
      app="$DIR/broken"
      routes=app/api/routes/items.py
      case "$ACCORD_BROKEN" in
        item_readable)
          # The first owner check is the read's (the update's and the delete's stay).
          change='0,/    if not current_user.is_superuser and (item.owner_id != current_user.id):/s//    if False:/' ;;
        list_leaks) change='s/\.where(Item.owner_id == current_user.id)/.where(True)/' ;;
        limit_ignored) change='s/^            \.limit(limit)$/            .limit(None)/' ;;
        *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
      esac
      sed -i "$change" "$app/$routes"
      cmp -s "$app/$routes" "$DIR/src/backend/$routes" \
        && { echo "error: $ACCORD_BROKEN changed nothing" >&2; exit 1; }
    fi
    cd "$app"
    "$DIR/venv/bin/alembic" upgrade head >"$DIR/migrate.log" 2>&1
    "$DIR/venv/bin/python" app/initial_data.py >>"$DIR/migrate.log" 2>&1
    nohup "$DIR/venv/bin/uvicorn" app.main:app --host 127.0.0.1 --port $PORT \
      >"$DIR/server.log" 2>&1 &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/utils/health-check/ 60
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    # The profile's first account (registered by the run through the sign-up operation).
    echo "ACCORD_USER=accord-a@example.com"
    echo "ACCORD_PASSWORD=accord-password-1"
    echo "ACCORD_ADMIN=admin@example.com"
    echo "ACCORD_ADMIN_PASSWORD=accord-admin-password"
    ;;
  token)
    # A bearer token of an account of its own, for a peer tool run beside the suite.
    B=http://127.0.0.1:$PORT/api/v1
    curl -s -X POST $B/users/signup -H 'content-type: application/json' \
      -d '{"email":"peer@example.com","password":"peer-password-1"}' >/dev/null
    token=$(curl -s -X POST $B/login/access-token -d 'username=peer@example.com&password=peer-password-1' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
    echo "Authorization: Bearer $token"
    echo "$B/openapi.json"
    ;;
  *)
    usage
    ;;
esac
