#!/usr/bin/env bash
# nsidnev's FastAPI RealWorld backend (FastAPI + asyncpg + PostgreSQL, `Authorization:
# Token`, its own `{"errors": [...]}` envelope), run on 127.0.0.1:8790 from its own
# dependencies (PyPI, within the ranges its pyproject.toml names) and Debian's PostgreSQL,
# against the spec it serves itself.
#   backend.sh setup SOURCE   SOURCE: the repository fetched at any commit holding the pin
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=fastapi-realworld
REPOSITORY=nsidnev/fastapi-realworld-example-app
COMMIT=029eb77
PORT=8790
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25790
DIR=$(backend_dir $NAME)

environment() {
  export DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/app
  export SECRET_KEY=accord-check-secret-key APP_ENV=dev
}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    python3 -m venv "$DIR/venv"
    # pyproject.toml's ranges (poetry's carets), with the asyncpg and bcrypt that build on
    # this machine's Python 3.11 and that passlib 1.7 reads.
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "uvicorn>=0.18.2,<0.19" "fastapi>=0.79.1,<0.80" "pydantic[email,dotenv]>=1.9,<2" \
      "passlib[bcrypt]>=1.7,<2" "bcrypt<4.1" "pyjwt>=2.4,<3" "databases>=0.6.1,<0.7" \
      "asyncpg>=0.26,<0.28" "psycopg2-binary>=2.9.3,<3" "aiosql>=6.2,<7" "pypika>=0.48.9,<0.49" \
      "alembic>=1.8,<2" "python-slugify>=6.1,<7" "Unidecode>=1.3,<2" "loguru>=0.6,<0.7" "sqlalchemy<2"
    ;;
  start)
    environment
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT app
    cd "$DIR/src"
    "$DIR/venv/bin/alembic" upgrade head >"$DIR/migrate.log" 2>&1
    nohup "$DIR/venv/bin/uvicorn" app.main:app --host 127.0.0.1 --port $PORT \
      >"$DIR/server.log" 2>&1 &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/tags 60
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
    realworld_token_command http://127.0.0.1:$PORT/api Token "http://127.0.0.1:$PORT/openapi.json"
    ;;
  *)
    usage
    ;;
esac
