#!/usr/bin/env bash
# NetBox 4.4.9 (Django 5.2 + Django REST framework + drf-spectacular, PostgreSQL, Redis),
# the network source-of-truth application, checked against the 1,156-operation spec it
# serves (`/api/schema/`): every route ends with a slash, the token comes from
# `POST /api/users/tokens/provision/` (which the spec marks secured, as drf-spectacular marks
# every operation) and goes as `Authorization: Token <key>`, references are written as ids
# and read back as objects. Installed from PyPI at its own pins (psycopg's binary wheel in
# place of its C build), run by gunicorn on 127.0.0.1:8730 with Debian's PostgreSQL and
# Redis (apt-get install postgresql redis-server). 4.4.9 is the last release that runs on
# Python 3.11 (4.5 asks for 3.12).
#   backend.sh setup SOURCE   SOURCE: the fetched netbox-community/netbox (its tags kept)
#   backend.sh start | stop | credentials | token
# The fetched snapshot lacks two large files: `contrib/openapi.json` (not used) and the
# UN/LOCODE table `netbox/extras/data/un_locode.py`, for which an empty table stands in
# (only a custom field choice set based on UN/LOCODE offers no choices).
source "$(dirname "$0")/../lib.sh"
NAME=netbox
REPOSITORY=netbox-community/netbox
COMMIT=7c63d001b
PORT=8730
PG_PORT=25730
REDIS_PORT=26730
DIR=$(backend_dir $NAME)
# A run of all 1,156 operations takes a quarter of an hour here: `cargo xtask backends`
# runs it only when named.
BY_NAME=1
PASSWORD=accord-admin-password-1

# Redis (NetBox's cache and task queue), on loopback, nothing saved.
redis_start() {
  command -v redis-server >/dev/null || { echo "error: Redis is not installed (apt-get install redis-server)" >&2; exit 2; }
  redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$DIR" --daemonize yes --pidfile "$DIR/redis.pid" >/dev/null
}

redis_stop() {
  [ -f "$DIR/redis.pid" ] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
  rm -f "$DIR/redis.pid"
}

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    git_dir=$source_dir; [ -d "$git_dir/.git" ] && git_dir="$git_dir/.git"
    rm -rf "$DIR/src" && mkdir -p "$DIR/src"
    git --git-dir="$git_dir" archive $COMMIT -- . ':(exclude)contrib/openapi.json' \
      ':(exclude)netbox/extras/data/un_locode.py' | tar -x -C "$DIR/src"
    echo "UN_LOCODE = []" >"$DIR/src/netbox/extras/data/un_locode.py"
    python3 -m venv "$DIR/venv"
    sed 's/psycopg\[c,pool\]/psycopg[binary,pool]/' "$DIR/src/requirements.txt" >"$DIR/requirements.txt"
    "$DIR/venv/bin/pip" install -q --disable-pip-version-check -r "$DIR/requirements.txt"
    cat >"$DIR/src/netbox/netbox/configuration.py" <<CONF
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'netbox',
    'USER': 'postgres', 'PASSWORD': '', 'HOST': '127.0.0.1', 'PORT': '$PG_PORT'}}
REDIS = {
    'tasks': {'HOST': '127.0.0.1', 'PORT': $REDIS_PORT, 'DATABASE': 0, 'SSL': False},
    'caching': {'HOST': '127.0.0.1', 'PORT': $REDIS_PORT, 'DATABASE': 1, 'SSL': False},
}
SECRET_KEY = 'accord-check-secret-key-accord-check-secret-key-accord-check'
CONF
    # The migrated database, once (2 to 3 minutes): each start copies it.
    pg_start "$DIR/pg" $PG_PORT
    redis_start
    pg_fresh_db $PG_PORT netbox_migrated
    (cd "$DIR/src/netbox" && sed -i "s/'NAME': 'netbox',/'NAME': 'netbox_migrated',/" netbox/configuration.py \
      && "$DIR/venv/bin/python" manage.py migrate --no-input >"$DIR/migrate.log" 2>&1 \
      && DJANGO_SUPERUSER_PASSWORD=$PASSWORD "$DIR/venv/bin/python" manage.py createsuperuser \
        --no-input --username admin --email admin@example.com >>"$DIR/migrate.log" 2>&1 \
      && sed -i "s/'NAME': 'netbox_migrated',/'NAME': 'netbox',/" netbox/configuration.py) \
      || { echo "error: NetBox's migration failed (see $DIR/migrate.log)" >&2; redis_stop; pg_stop "$DIR/pg"; exit 1; }
    redis_stop
    pg_stop "$DIR/pg"
    ;;
  start)
    port_free $PORT
    pg_start "$DIR/pg" $PG_PORT
    redis_start
    # A fresh database each start, copied from the migrated one.
    as_pg "$(pg_bin)/dropdb" --if-exists -h 127.0.0.1 -p $PG_PORT -U postgres netbox
    as_pg "$(pg_bin)/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres -T netbox_migrated netbox
    cd "$DIR/src/netbox"
    nohup "$DIR/venv/bin/gunicorn" --bind 127.0.0.1:$PORT --workers 3 --threads 3 --timeout 120 \
      netbox.wsgi >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/status/ 60
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    redis_stop
    pg_stop "$DIR/pg"
    ;;
  credentials)
    # The superuser made at setup.
    echo "ACCORD_USER=admin"
    echo "ACCORD_PASSWORD=$PASSWORD"
    ;;
  token)
    key=$(curl -s -X POST http://127.0.0.1:$PORT/api/users/tokens/provision/ \
      -H 'content-type: application/json' -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["key"])')
    echo "Authorization: Token $key"
    echo "http://127.0.0.1:$PORT/api/schema/?format=json"
    ;;
  *)
    usage
    ;;
esac
