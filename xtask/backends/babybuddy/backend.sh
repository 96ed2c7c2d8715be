#!/usr/bin/env bash
# Baby Buddy (Django 5.2 + Django REST framework, SQLite), a caregivers' log of feedings,
# sleep and diaper changes, checked against the spec its repository ships
# (openapi-schema.yml, written by DRF's own schema generator): the spec declares no security
# at all, while every route refuses a request without a token (403: session authentication
# comes first), and the token goes as `Authorization: Token <key>`, each user's key made in
# its settings page. Children are addressed by slug and named by id in the entries that
# belong to them. Installed from PyPI at its own pins, run by gunicorn on 127.0.0.1:8740
# with DEBUG off, as deployed.
#   backend.sh setup SOURCE   SOURCE: the fetched babybuddy/babybuddy
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=babybuddy
REPOSITORY=babybuddy/babybuddy
COMMIT=fa8bf4cd
PORT=8740
DIR=$(backend_dir $NAME)
# The keys of the two users made at setup: the first the superuser `admin` (every
# permission), the second `caregiver`, a user with none (refused what it has no permission
# for: Baby Buddy shares every child among the users it permits).
FIRST_KEY=accord0first0key0000000000000000000000a
SECOND_KEY=accord0second0key000000000000000000000b

environment() {
  export DJANGO_SETTINGS_MODULE=babybuddy.settings.development SECRET_KEY=accord-check-secret-key
  export DEBUG=False ALLOWED_HOSTS=127.0.0.1,localhost DB_NAME="$DIR/db.sqlite3"
}

case "${1:-}" in
  setup)
    unpack "${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}" $COMMIT "$DIR/src"
    cp "$DIR/src/openapi-schema.yml" "$DIR/openapi-schema.yml"
    python3 -m venv "$DIR/venv"
    # Its pins, from the registry this machine reaches (the file names PyPI's own index).
    grep -v '^-i ' "$DIR/src/requirements.txt" >"$DIR/requirements.txt"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check -r "$DIR/requirements.txt"
    # The migrated database, once, with the two users and their keys: each start copies it.
    environment
    export DB_NAME="$DIR/migrated.sqlite3"
    rm -f "$DB_NAME"
    (cd "$DIR/src" && "$DIR/venv/bin/python" manage.py migrate --no-input >"$DIR/migrate.log" 2>&1 \
      && "$DIR/venv/bin/python" manage.py createcachetable >>"$DIR/migrate.log" 2>&1 \
      && "$DIR/venv/bin/python" manage.py shell -c "
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
for name, key in (('admin', '$FIRST_KEY'), ('caregiver', '$SECOND_KEY')):
    user, _ = User.objects.get_or_create(username=name)
    Token.objects.filter(user=user).delete()
    Token.objects.create(user=user, key=key)
" >>"$DIR/migrate.log" 2>&1) \
      || { echo "error: Baby Buddy's migration failed (see $DIR/migrate.log)" >&2; exit 1; }
    ;;
  start)
    port_free $PORT
    environment
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    cp "$DIR/migrated.sqlite3" "$DIR/db.sqlite3"
    cd "$DIR/src"
    nohup "$DIR/venv/bin/gunicorn" --bind 127.0.0.1:$PORT --workers 2 babybuddy.wsgi \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/ 60
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    echo "ACCORD_TOKEN=$FIRST_KEY"
    echo "ACCORD_TOKEN_2=$SECOND_KEY"
    ;;
  token)
    echo "Authorization: Token $FIRST_KEY"
    echo "$DIR/openapi-schema.yml"
    ;;
  *)
    usage
    ;;
esac
