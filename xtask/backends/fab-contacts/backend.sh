#!/usr/bin/env bash
# Flask AppBuilder's own REST example (examples/crud_rest_api: contacts, groups, a parent
# with children, and FAB's security API for users, roles and permissions), checked against
# the OpenAPI 3.0 document it serves at /api/v1/_openapi, which itself asks for a token: the
# script signs in to fetch it. A JWT sign-in (`provider` and `refresh` shown by example, and
# needed: without `provider` it answers 500), a refresh secured by a bearer scheme of its
# own that takes the refresh token in `Authorization` and answers an access token alone,
# lists that hold twenty records with their `count` and `ids` beside them. The first account
# is the administrator; the second has the role `Public`, which may do nothing.
# Run by Flask's server on 127.0.0.1:8817 from PyPI at the versions below (the example's
# own pins); a fresh SQLite database each start. Its clean run fails where the example is
# wrong (a 500 for a string in a relation field, 422 for a bad token, a stored password
# hash in a group's `changed_by`...).
# Its broken copy (broken.tsv, `--broken`): the second account's role may read groups and
# parents, whoever made them.
#   backend.sh setup SOURCE   SOURCE: the fetched dpgaspar/Flask-AppBuilder
#   backend.sh start | stop | credentials
source "$(dirname "$0")/../lib.sh"
NAME=fab-contacts
REPOSITORY=dpgaspar/Flask-AppBuilder
COMMIT=fd929036
PORT=8817
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src" examples/crud_rest_api
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check \
      "flask-appbuilder==5.3.0" "Flask==3.1.3" "marshmallow==3.26.2" \
      "marshmallow-sqlalchemy==1.1.1" "SQLAlchemy==2.0.44" "apispec[yaml]==6.3.0" \
      "Flask-JWT-Extended==4.5.3" "PyJWT==2.8.0" "SQLAlchemy-Utils==0.41.1"
    ;;
  start)
    port_free $PORT
    rm -rf "$DIR/run" && cp -r "$DIR/src/examples/crud_rest_api" "$DIR/run"
    role=Public
    # A broken copy (broken.tsv, `--broken`): one line added to config.py.
    case "${ACCORD_BROKEN:-}" in
      '') ;;
      viewer_reads)
        echo 'FAB_ROLES = {"Viewer": [["ModelOMParentApi", "can_get"], ["ModelOMParentApi", "can_list"], ["GroupModelApi", "can_get"], ["GroupModelApi", "can_list"]]}' >>"$DIR/run/config.py"
        role=Viewer
        ;;
      *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
    esac
    cd "$DIR/run"
    export FLASK_APP=app
    "$DIR/venv/bin/flask" fab create-admin --username admin --firstname Ada --lastname Admin \
      --email admin@example.com --password accord-admin-password >"$DIR/setup.log" 2>&1
    "$DIR/venv/bin/flask" fab create-user --role $role --username viewer --firstname Vic \
      --lastname Viewer --email viewer@example.com --password accord-viewer-password \
      >>"$DIR/setup.log" 2>&1
    nohup "$DIR/venv/bin/flask" run --host 127.0.0.1 --port $PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/_openapi 30
    # The document asks for a token, as every other route does.
    token=$(curl -s -X POST "http://127.0.0.1:$PORT/api/v1/security/login" \
      -H 'content-type: application/json' \
      -d '{"username": "admin", "password": "accord-admin-password", "provider": "db"}' |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
    curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/_openapi" \
      >"$DIR/openapi.json"
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_USER=admin"
    echo "ACCORD_PASSWORD=accord-admin-password"
    echo "ACCORD_USER_2=viewer"
    echo "ACCORD_PASSWORD_2=accord-viewer-password"
    ;;
  *)
    usage
    ;;
esac
