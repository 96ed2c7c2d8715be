#!/usr/bin/env bash
# Litestar's own to-do example (docs/examples/plugins/sqlalchemy_init_plugin/
# full_app_with_plugin.py: Litestar 2 + Advanced Alchemy's SQLAlchemy plugin on SQLite),
# checked against the OpenAPI 3.1 document Litestar serves for it at /schema/openapi.json:
# no authentication, an item named by its title (its primary key), `PUT /{item_title}` at the
# root beside the list, a 400 `{"status_code", "detail", "extra"}` for what it refuses. Run
# by uvicorn on 127.0.0.1:8813 from PyPI at the versions below; a fresh database each start.
# Its broken copy (broken.tsv, `--broken`) lists the done items with a server error.
#   backend.sh setup SOURCE   SOURCE: the fetched litestar-org/litestar
#   backend.sh start | stop | credentials
source "$(dirname "$0")/../lib.sh"
NAME=litestar-todo
REPOSITORY=litestar-org/litestar
COMMIT=8bd57248d
PORT=8813
DIR=$(backend_dir $NAME)
EXAMPLE=docs/examples/plugins/sqlalchemy_init_plugin/full_app_with_plugin.py

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src" docs/examples
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "litestar==2.25.0" "advanced-alchemy==1.12.0" "aiosqlite==0.22.1" "uvicorn==0.55.0"
    ;;
  start)
    port_free $PORT
    rm -rf "$DIR/run" && mkdir -p "$DIR/run"
    cp "$DIR/src/$EXAMPLE" "$DIR/run/app.py"
    # A broken copy (broken.tsv, `--broken`): one line of the example changed.
    case "${ACCORD_BROKEN:-}" in
      '') ;;
      crash_on_false)
        sed -i 's/^        query = query.where(TodoItem.done.is_(done))$/        query = query.where(TodoItem.done.is_(done)) if done else 1 \/ 0/' "$DIR/run/app.py"
        grep -q '1 / 0' "$DIR/run/app.py" || { echo "error: crash_on_false changed nothing" >&2; exit 1; }
        ;;
      *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
    esac
    cd "$DIR/run"
    nohup "$DIR/venv/bin/uvicorn" app:app --host 127.0.0.1 --port $PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /schema/openapi.json 30
    echo "http://127.0.0.1:$PORT"
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
