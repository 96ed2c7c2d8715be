#!/usr/bin/env bash
# Gitea, a Git forge in Go (chi + xorm on SQLite), checked against the OpenAPI 3.0 document
# its source ships (templates/swagger/v1_openapi3_json.tmpl): 482 operations under
# /api/v1, a global security of seven alternatives (HTTP basic, a token in `Authorization`,
# in `?token=` or `?access_token=`, sudo and one-time-password headers), organizations
# addressed by name, repositories by `/repos/{owner}/{repo}`. Its module comes from the Go
# module proxy at its release (checked against the digest below) and is built here; the
# module leaves out its translations, of which it needs the cron tasks' names alone, so a
# stub names them. The run's accounts are two users the admin makes, each with a token of
# all scopes. It listens on 127.0.0.1:8860.
#   backend.sh setup [SOURCE]   (from the Go module proxy; no source needed)
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=gitea
REPOSITORY=local
VERSION=v1.27.3
DIGEST=5c403e2350994d26386bfb08341fffc691a3b3a46567517fb35a1b366dcc74d7
PORT=8860
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api/v1
SRC="$DIR/src/code.gitea.io/gitea@$VERSION"
export GITEA_WORK_DIR="$DIR/run" GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true

config() {
  mkdir -p "$DIR/run/custom/options/locale"
  cat >"$DIR/run/app.ini" <<INI
APP_NAME = accord
RUN_MODE = prod
WORK_PATH = $DIR/run
[database]
DB_TYPE = sqlite3
PATH = $DIR/run/gitea.db
[server]
HTTP_ADDR = 127.0.0.1
HTTP_PORT = $PORT
ROOT_URL = http://127.0.0.1:$PORT/
DISABLE_SSH = true
OFFLINE_MODE = true
[security]
INSTALL_LOCK = true
SECRET_KEY = accord-secret-key-for-tests-only-0123456789
[service]
DISABLE_REGISTRATION = true
[repository]
ROOT = $DIR/run/repos
[log]
MODE = file
LEVEL = Warn
ROOT_PATH = $DIR/run/log
[mailer]
ENABLED = false
[i18n]
LANGS = en-US
NAMES = English
INI
  # The cron tasks' names, which Gitea will not start without (its module has no locales).
  grep -rhoE 'RegisterTaskFatal\("[a-z_]+"|Name: *"[a-z_]+"' "$SRC/services/cron" |
    grep -oE '"[a-z_]+"' | tr -d '"' | sort -u |
    python3 -c 'import json, sys; json.dump({"admin.dashboard." + n.strip(): n.strip() for n in sys.stdin if n.strip()}, sys.stdout)' \
      >"$DIR/run/custom/options/locale/locale_en-US.json"
}

case "${1:-}" in
  setup)
    mkdir -p "$DIR/src"
    curl -sSf -o "$DIR/gitea.zip" "https://proxy.golang.org/code.gitea.io/gitea/@v/$VERSION.zip"
    echo "$DIGEST  $DIR/gitea.zip" | sha256sum -c --quiet
    rm -rf "$DIR/src" && mkdir -p "$DIR/src"
    (cd "$DIR/src" && unzip -q "$DIR/gitea.zip" && chmod -R u+w .)
    (cd "$SRC" && go build -tags "sqlite sqlite_unlock_notify" -o "$DIR/gitea" .)
    sed -e 's/{{.SwaggerAppSubUrl}}//' -e "s/{{.SwaggerAppVer}}/${VERSION#v}/" \
      "$SRC/templates/swagger/v1_openapi3_json.tmpl" >"$DIR/openapi.json"
    ;;
  start)
    port_free $PORT
    # A fresh instance each start: its database, the admin, two users and their tokens.
    rm -rf "$DIR/run"
    config
    "$DIR/gitea" migrate --config "$DIR/run/app.ini" >"$DIR/migrate.log" 2>&1
    "$DIR/gitea" admin user create --admin --username root --password root-password-1 \
      --email root@example.com --must-change-password=false --config "$DIR/run/app.ini" >/dev/null
    nohup "$DIR/gitea" web --config "$DIR/run/app.ini" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/version 60
    for user in alice bob; do
      curl -s -u root:root-password-1 -X POST "$B/admin/users" -H 'content-type: application/json' \
        -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"$user-password-1\",\"must_change_password\":false}" >/dev/null
      curl -s -u "$user:$user-password-1" -X POST "$B/users/$user/tokens" -H 'content-type: application/json' \
        -d '{"name":"accord","scopes":["all"]}' |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["sha1"])' >"$DIR/token-$user"
    done
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # The token `init` asks for (the run finds how Gitea takes it in `Authorization`); the
    # second user's for the cross-user checks, and the same token for the scheme in the query.
    echo "ACCORD_TOKEN=$(cat "$DIR/token-alice")"
    echo "ACCORD_TOKEN_2=$(cat "$DIR/token-bob")"
    echo "ACCORD_API_KEY=$(cat "$DIR/token-alice")"
    ;;
  token)
    echo "Authorization: token $(cat "$DIR/token-alice")"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
