#!/usr/bin/env bash
# Connexion's own pet shop example (examples/sqlalchemy: Connexion 3 on Flask, SQLAlchemy on
# an in-memory SQLite), checked against the OpenAPI 3.0 document it serves at
# /openapi/openapi.json: no authentication, a pet made and replaced by `PUT /pets/{pet_id}`
# at a name the client chooses (201 new, 200 replaced), three pets seeded at start (`1`,
# `2`, `3`, which the run must leave alone), Connexion's validation in RFC 9457 problems.
# Run by uvicorn on 127.0.0.1:8815 from PyPI at the versions below; a fresh database each
# start. Its clean run fails where the example is wrong: a 405's `Allow` lists one route's
# methods, and every session shares the one SQLite connection, so an update made while
# another request's session closes is lost (at `--concurrency 1` it holds).
# Its broken copies (broken.tsv, `--broken`): a pet named with markup crashes, a deleted
# pet is kept.
#   backend.sh setup SOURCE   SOURCE: the fetched spec-first/connexion
#   backend.sh start | stop | credentials
source "$(dirname "$0")/../lib.sh"
NAME=connexion-petshop
REPOSITORY=spec-first/connexion
COMMIT=a1c53db7
PORT=8815
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src" examples/sqlalchemy
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "connexion[flask,uvicorn]==3.3.0" "SQLAlchemy==2.0.36"
    ;;
  start)
    port_free $PORT
    rm -rf "$DIR/run" && cp -r "$DIR/src/examples/sqlalchemy" "$DIR/run"
    # A broken copy (broken.tsv, `--broken`): one line of app.py changed.
    case "${ACCORD_BROKEN:-}" in
      '') ;;
      crash_on_markup)
        sed -i 's/^def put_pet(pet_id, pet):$/def put_pet(pet_id, pet):\n    if "<" in str(pet.get("name")): raise RuntimeError("markup")/' "$DIR/run/app.py"
        grep -q 'RuntimeError("markup")' "$DIR/run/app.py" || { echo "error: crash_on_markup changed nothing" >&2; exit 1; }
        ;;
      kept_deleted)
        sed -i 's/^            db_session.delete(pet)$/            pass/' "$DIR/run/app.py"
        grep -q 'db_session.delete(pet)' "$DIR/run/app.py" && { echo "error: kept_deleted changed nothing" >&2; exit 1; }
        ;;
      *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
    esac
    cd "$DIR/run"
    nohup "$DIR/venv/bin/uvicorn" app:app --host 127.0.0.1 --port $PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /openapi/openapi.json 30
    echo "http://127.0.0.1:$PORT/openapi"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # No authentication: nothing to give.
    ;;
  *)
    usage
    ;;
esac
