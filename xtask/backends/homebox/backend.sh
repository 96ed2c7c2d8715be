#!/usr/bin/env bash
# Homebox, a home inventory service in Go (go-chi + SQLite), checked against the OpenAPI 3.0
# document swaggo writes for it (backend/app/api/static/docs/openapi-3.json): no
# operationIds, an apiKey scheme in `Authorization` that asks for `Bearer TOKEN`, a sign-in
# by address in a field named `username` that answers the token with `Bearer ` already before
# it, a session renewed by `GET /v1/users/refresh` (which voids the token it was called
# with), commands on the whole inventory under `/v1/actions`, UUID ids its spec types as any
# text, go-chi's `Allow` one line per method, and a login rate limit. Built from its own Go
# modules (the Go module proxy), two of them standing in for what the proxy here does not
# serve: `go.balki.me/anyhttp` (a vanity host; a stand-in that only listens on TCP, all a
# loopback check needs) and shoutrrr v0.17.1 (v0.17.0 in its place). It listens on
# 127.0.0.1:8785.
#   backend.sh setup SOURCE   SOURCE: the fetched sysadminsmedia/homebox
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=homebox
REPOSITORY=sysadminsmedia/homebox
COMMIT=8222a88d
PORT=8785
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/api/v1

case "${1:-}" in
  setup)
    # Its backend, file by file: its label maker's test fonts are left out (large files a
    # snapshot may lack, which `git archive` would stop at).
    git_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    if [ -d "$git_dir/.git" ]; then git_dir="$git_dir/.git"; fi
    git --git-dir="$git_dir" cat-file -e "$COMMIT^{commit}"
    rm -rf "$DIR/src"
    git --git-dir="$git_dir" ls-tree -r --name-only $COMMIT backend \
      | grep -v '^backend/pkgs/labelmaker/testdata/' \
      | while read -r file; do
          mkdir -p "$DIR/src/$(dirname "$file")"
          git --git-dir="$git_dir" show "$COMMIT:$file" >"$DIR/src/$file"
        done
    mkdir -p "$DIR/anyhttp"
    cat >"$DIR/anyhttp/go.mod" <<'MOD'
module go.balki.me/anyhttp

go 1.21
MOD
    cat >"$DIR/anyhttp/anyhttp.go" <<'GO'
// Package anyhttp stands in for go.balki.me/anyhttp, whose host the module proxy here does
// not serve: no socket activation or unix socket, so Homebox listens on TCP itself.
package anyhttp

import (
	"errors"
	"net"
	"time"
)

type AddressType int

const (
	TCP AddressType = iota
	UnixSocket
	SystemdFD
)

type SysdConfig struct{ IdleTimeout *time.Duration }

func GetListener(addr string) (net.Listener, AddressType, any, error) {
	return nil, TCP, nil, errors.New("only TCP addresses are served")
}
GO
    cp "$DIR/src/backend/app/api/static/docs/openapi-3.json" "$DIR/openapi.json"
    (cd "$DIR/src/backend" \
      && go mod edit -replace go.balki.me/anyhttp="$DIR/anyhttp" \
        -replace github.com/nicholas-fedor/shoutrrr=github.com/nicholas-fedor/shoutrrr@v0.17.0 \
      && GOFLAGS=-mod=mod go build -o "$DIR/homebox" ./app/api)
    ;;
  start)
    port_free $PORT
    # A fresh database each start: a run's verdicts never depend on an earlier one's data.
    rm -rf "$DIR/data" && mkdir -p "$DIR/data"
    cd "$DIR/data"
    HBOX_MODE=production HBOX_WEB_HOST=127.0.0.1 HBOX_WEB_PORT=$PORT \
      HBOX_AUTH_API_KEY_PEPPER=accord-check-pepper-0123456789abcdef0123456789 \
      HBOX_OPTIONS_CHECK_GITHUB_RELEASE=false HBOX_STORAGE_CONN_STRING="file://$DIR/data/" \
      HBOX_DATABASE_SQLITE_PATH="$DIR/data/homebox.db?_pragma=busy_timeout=999&_pragma=journal_mode=WAL&_fk=1&_time_format=sqlite" \
      nohup "$DIR/homebox" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/v1/status 30
    echo "http://127.0.0.1:$PORT/api"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # The run's first account, which its sign-up makes.
    echo "ACCORD_USER=accord-a@example.com"
    echo "ACCORD_NAME=accorda"
    echo "ACCORD_PASSWORD=accord-password-1"
    ;;
  token)
    # An account of its own, for a peer tool run beside the suite.
    curl -s -X POST $B/users/register -H 'content-type: application/json' \
      -d '{"name":"peer","email":"peer@example.com","password":"peer-password-1"}' >/dev/null
    token=$(curl -s -X POST $B/users/login -H 'content-type: application/json' \
      -d '{"username":"peer@example.com","password":"peer-password-1"}' \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
    echo "Authorization: $token"
    echo "$DIR/openapi.json"
    ;;
  *)
    usage
    ;;
esac
