#!/usr/bin/env bash
# c4ffein's Django Ninja RealWorld backend (Django 5.2 + Django Ninja 1.4, PostgreSQL), the
# reference implementation for Django Ninja, checked against the OpenAPI 3.1 spec it serves
# itself: its sign-in's answer is untyped there (`{"title": "Response"}`), so the spec does
# not say where the token is (RealWorld's `{"user": {"token"}}`), and a JWT library's own
# routes (`/auth/login/`, `/auth/refresh/`, `/auth/sessions/`) sit beside the app's. Run
# on 127.0.0.1:8795 by gunicorn with DEBUG off, as deployed, from its own dependencies
# (PyPI at its pins; psycopg2's binary wheel, and the jwtninja its unpinned name resolves
# to) and Debian's PostgreSQL. It needs Python 3.12 (jwtninja requires it): `python3.12`
# on the PATH, or pyenv's.
#   backend.sh setup SOURCE   SOURCE: the fetched c4ffein/realworld-django-ninja
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=ninja-realworld
REPOSITORY=c4ffein/realworld-django-ninja
COMMIT=04ef47c
PORT=8795
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25795
DIR=$(backend_dir $NAME)

environment() {
  export DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/app
  export DEBUG=False ALLOWED_HOSTS="127.0.0.1;localhost"
}

python312() {
  local p
  for p in "$(command -v python3.12 || true)" "$HOME"/.pyenv/versions/3.12*/bin/python3; do
    # A pyenv shim of a version not selected is on the PATH and fails: it must run.
    if [ -n "$p" ] && "$p" -c 'import sys' 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "error: $NAME needs Python 3.12 (its jwtninja requires it): put python3.12 on the PATH" >&2
  return 2
}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    "$(python312)" -m venv "$DIR/venv"
    # pyproject.toml's pins; psycopg2 as its binary wheel (the source build needs libpq's
    # headers), jwtninja (unpinned there) at the version it resolves to.
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "annotated-types==0.6.0" "asgiref==3.8.1" "django==5.2.1" "django-cors-headers==4.3.1" \
      "django-extensions==3.2.3" "django-ninja==1.4.1" "jwtninja==1.1.0" "email-validator==2.1.1" \
      "markdown==3.4.3" "pydantic>=2.9.2" "sqlparse==0.4.4" "typing-extensions>=4.12.2" \
      "psycopg2-binary==2.9.10" "gunicorn==23.0.0"
    ;;
  start)
    port_free $PORT
    environment
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT app
    cd "$DIR/src"
    "$DIR/venv/bin/python" manage.py migrate --no-input >"$DIR/migrate.log" 2>&1 \
      || { echo "error: the migration failed (see $DIR/migrate.log)" >&2; exit 1; }
    nohup "$DIR/venv/bin/gunicorn" --bind 127.0.0.1:$PORT --workers 2 config.wsgi \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /openapi.json 60
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    # The profile's first account (registered by the run through the sign-up operation).
    realworld_credentials
    ;;
  token)
    realworld_token_command http://127.0.0.1:$PORT/api Bearer "http://127.0.0.1:$PORT/openapi.json"
    ;;
  *)
    usage
    ;;
esac
