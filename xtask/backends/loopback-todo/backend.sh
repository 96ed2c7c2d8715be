#!/usr/bin/env bash
# LoopBack 4's own to-do example (@loopback/example-todo from npm), checked against the
# OpenAPI 3.0 document it serves at /openapi.json: no authentication, LoopBack's error body
# (`{"error": {"statusCode", "name", "message", ...}}`), an in-memory store seeded with four
# to-dos (which the run must leave alone), a `PATCH /todos` that updates every to-do a
# `where` filter matches (which the run must never send), `GET /todos/count` beside
# `/todos/{id}`, and a geocoder it calls for a `remindAtAddress` (unreachable here: a 500).
# Run by Node.js on 127.0.0.1:8818 from npm at the version below; the seed restored at each
# start. Its broken copies (broken.tsv, `--broken`): a deleted to-do is kept, an update of
# the title is dropped.
#   backend.sh setup SOURCE   (SOURCE unused: the example comes from npm)
#   backend.sh start | stop | credentials
source "$(dirname "$0")/../lib.sh"
NAME=loopback-todo
# From npm, not from a fetched repository.
REPOSITORY=local
PACKAGE=@loopback/example-todo@6.0.0
PORT=8818
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    cd "$DIR"
    [ -f package.json ] || npm init -y >/dev/null
    npm install --no-audit --no-fund --loglevel=error "$PACKAGE" >/dev/null
    ;;
  start)
    port_free $PORT
    rm -rf "$DIR/run" && cp -r "$DIR/node_modules/@loopback/example-todo" "$DIR/run"
    controller="$DIR/run/dist/controllers/todo.controller.js"
    # A broken copy (broken.tsv, `--broken`): one line of the compiled controller changed.
    case "${ACCORD_BROKEN:-}" in
      '') ;;
      kept_deleted)
        sed -i 's/^        await this.todoRepository.deleteById(id);$/        await this.todoRepository.findById(id);/' "$controller"
        grep -q 'todoRepository.deleteById(id)' "$controller" && { echo "error: kept_deleted changed nothing" >&2; exit 1; }
        ;;
      keeps_title)
        sed -i 's/^        await this.todoRepository.updateById(id, todo);$/        delete todo.title; await this.todoRepository.updateById(id, todo);/' "$controller"
        grep -q 'delete todo.title' "$controller" || { echo "error: keeps_title changed nothing" >&2; exit 1; }
        ;;
      *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
    esac
    cd "$DIR/run"
    PORT=$PORT HOST=127.0.0.1 nohup node dist/index.js >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /openapi.json 30
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
