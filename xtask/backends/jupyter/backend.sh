#!/usr/bin/env bash
# Jupyter Server, the backend of JupyterLab and Notebook, in Python (Tornado), checked against
# the Swagger 2.0 document it ships (`jupyter_server/services/api/api.yaml`): no security
# declared while every route asks for the server's token (`Authorization: token TOKEN`),
# files and folders addressed by a path of any depth (`/api/contents/{path}`), kernels and
# sessions that start processes, and a config write (`PATCH /api/config/{section_name}`).
# Installed from PyPI at its release, with ipykernel for its kernels; it serves a scratch
# folder of its own and listens on 127.0.0.1:8811.
#   backend.sh setup [SOURCE]   (from PyPI; no source needed)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=jupyter
REPOSITORY=local
VERSION=2.21.1
IPYKERNEL=7.4.0
PORT=8811
DIR=$(backend_dir $NAME)
TOKEN=accord-jupyter-token-1

case "${1:-}" in
  setup)
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q "jupyter-server==$VERSION" "ipykernel==$IPYKERNEL"
    cp "$DIR"/venv/lib/python3*/site-packages/jupyter_server/services/api/api.yaml "$DIR/openapi.yaml"
    ;;
  start)
    port_free $PORT
    # A fresh folder and configuration each start: a run's verdicts never depend on an
    # earlier one's files.
    rm -rf "$DIR/root" "$DIR/config" "$DIR/data" "$DIR/runtime"
    mkdir -p "$DIR/root" "$DIR/config" "$DIR/data" "$DIR/runtime"
    JUPYTER_CONFIG_DIR="$DIR/config" JUPYTER_DATA_DIR="$DIR/data" JUPYTER_RUNTIME_DIR="$DIR/runtime" \
      nohup "$DIR/venv/bin/jupyter" server --no-browser --ServerApp.ip=127.0.0.1 \
      --ServerApp.port=$PORT --ServerApp.port_retries=0 --allow-root --ServerApp.root_dir="$DIR/root" \
      --IdentityProvider.token=$TOKEN >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/status 30
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_TOKEN=$TOKEN"
    ;;
  token)
    echo "Authorization: token $TOKEN"
    echo "$DIR/openapi.yaml"
    ;;
  *)
    usage
    ;;
esac
