# Shared by the real-backend scripts (`cargo xtask backends`): where each backend lives while
# it runs, a private PostgreSQL cluster on 127.0.0.1, and waiting for a port. Sourced, never
# run. Every backend runs here from its own dependencies (PyPI, npm, Debian), on loopback only.

set -euo pipefail

# The work folder of backend $1: sources, virtualenv, database, logs.
backend_dir() {
  local dir="${ACCORD_BACKENDS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/target/backends-work}/$1"
  mkdir -p "$dir"
  echo "$dir"
}

# The source of a fetched repository at a pinned commit, unpacked into $3 (only $4, a
# folder of it, when given). $1 is a git directory (the search tool's `fetch` gives one) or
# a checkout; $2 the commit.
unpack() {
  local git_dir=$1 commit=$2 into=$3 folder=${4:-}
  if [ -d "$git_dir/.git" ]; then git_dir="$git_dir/.git"; fi
  if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "error: $git_dir has no commit $commit (fetch the repository first)" >&2
    return 2
  fi
  rm -rf "$into" && mkdir -p "$into"
  git --git-dir="$git_dir" archive "$commit" $folder | tar -x -C "$into"
}

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ]; then
    echo "error: PostgreSQL is not installed (apt-get install postgresql)" >&2
    return 2
  fi
  echo "$bin"
}

# Runs a command as the `postgres` user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a private cluster in $1 on 127.0.0.1:$2 with a trusted `postgres` superuser.
pg_start() {
  local dir=$1 port=$2 bin
  bin=$(pg_bin)
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
}

pg_stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  [ -f "$dir/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null || true
}

# Fails when something already listens on 127.0.0.1:$1 (a backend left running).
port_free() {
  if curl -s -o /dev/null "http://127.0.0.1:$1/"; then
    echo "error: something already listens on 127.0.0.1:$1 (backend.sh stop)" >&2
    exit 1
  fi
}

# Starts the FastAPI app `app.py` in $2 with uvicorn from the virtualenv in $1, on
# 127.0.0.1:$3, the broken copy `ACCORD_BROKEN` names (broken.tsv) as its SEED_FAULTS, and
# waits for its spec: the corpus's own seed services.
seed_start() {
  local dir=$1 here=$2 port=$3
  port_free "$port"
  SEED_FAULTS="${ACCORD_BROKEN:-}" nohup "$dir/venv/bin/uvicorn" --app-dir "$here" app:app \
    --host 127.0.0.1 --port "$port" --no-access-log >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/server.pid"
  wait_http "$port" /openapi.json 30
  echo "http://127.0.0.1:$port"
}

# Stops the server whose process id $1/server.pid holds, if it runs, and waits (10 s at
# most) until it is gone: a start right after finds its port free.
server_stop() {
  local pid i
  pid=$(cat "$1/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$1/server.pid"
}

# A fresh, empty database $2 in the private cluster on 127.0.0.1:$1: a run's verdicts never
# depend on an earlier one's data.
pg_fresh_db() {
  as_pg "$(pg_bin)/dropdb" --if-exists -h 127.0.0.1 -p "$1" -U postgres "$2" 2>/dev/null
  as_pg "$(pg_bin)/createdb" -h 127.0.0.1 -p "$1" -U postgres "$2"
}

# Waits until http://127.0.0.1:$1$2 answers (any status), at most $3 seconds.
wait_http() {
  local port=$1 path=$2 limit=${3:-60} i
  for i in $(seq 1 "$limit"); do
    if curl -s -o /dev/null "http://127.0.0.1:$port$path"; then return 0; fi
    sleep 1
  done
  echo "error: nothing answered on 127.0.0.1:$port$path after $limit s" >&2
  return 1
}

# The first account a RealWorld backend's run registers (the second is derived from it).
realworld_credentials() {
  echo "ACCORD_USER=accord-a@example.com"
  echo "ACCORD_NAME=accorda"
  echo "ACCORD_PASSWORD=accord-password-1"
}

# The `token` command of a RealWorld backend, for a peer tool run beside the suite: the
# header of an account of its own at $1 (the API's base URL), after the scheme word $2, then
# the spec's location $3.
realworld_token_command() {
  echo "Authorization: $2 $(realworld_token "$1")"
  echo "$3"
}

# What every script answers a command it does not know.
usage() {
  echo "usage: backend.sh setup SOURCE | start | stop | credentials | token" >&2
  exit 2
}

# The token of a RealWorld account of its own (signed up at $1/users, signed in at
# $1/users/login), for a peer tool run beside the suite.
realworld_token() {
  curl -s -X POST "$1/users" -H 'content-type: application/json' \
    -d '{"user":{"username":"peer","email":"peer@example.com","password":"peer-password-1"}}' >/dev/null
  curl -s -X POST "$1/users/login" -H 'content-type: application/json' \
    -d '{"user":{"email":"peer@example.com","password":"peer-password-1"}}' \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["user"]["token"])'
}
