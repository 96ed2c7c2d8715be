#!/usr/bin/env bash
# A RealWorld ("Conduit") backend in Node (Express + Sequelize + PostgreSQL), checked against
# the RealWorld project's own OpenAPI document: `Authorization: Token <jwt>` (an apiKey
# scheme), answers wrapped in an object named after the resource, articles addressed by
# slug, 422 for validation. Installed from npm, run on 127.0.0.1:8713 (loopback.cjs makes its
# listen loopback-only; its source is not changed) with Debian's PostgreSQL.
# Its broken copies (broken.tsv, `--broken`) each change one line of a controller.
#   backend.sh setup SOURCE   SOURCE: the fetched TonyMckes/conduit-realworld-example-app
#   backend.sh start | stop | credentials
# The spec comes from the fetched gothinkster/realworld (SPEC_REPOSITORY at SPEC_COMMIT),
# found beside SOURCE.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=express-conduit
REPOSITORY=TonyMckes/conduit-realworld-example-app
COMMIT=b6dc05b
SPEC_REPOSITORY=gothinkster/realworld
SPEC_COMMIT=747190e
PORT=8713
# Its database config names no port: PostgreSQL's own (a private cluster, on loopback).
PG_PORT=5432
DIR=$(backend_dir $NAME)

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    spec_git="$(dirname "$source_dir")/../${SPEC_REPOSITORY/\//+}/repo"
    unpack "$source_dir" $COMMIT "$DIR/src" backend
    unpack "$spec_git" $SPEC_COMMIT "$DIR/spec" api/openapi.yml
    cp "$DIR/spec/api/openapi.yml" "$DIR/openapi.yml"
    (cd "$DIR/src/backend" && npm install --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
    ;;
  start)
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT conduit
    app="$DIR/src/backend"
    # A broken copy (broken.tsv, `--broken`): the app linked file by file, one line of one
    # controller changed (sed writes a new file, so the source stays as fetched).
    if [ -n "${ACCORD_BROKEN:-}" ]; then
      rm -rf "$DIR/broken" && cp -al "$DIR/src/backend" "$DIR/broken"
      app="$DIR/broken"
      case "$ACCORD_BROKEN" in
        non_author_update)
          # The first author check is the update's (the second, the delete's, stays).
          file=controllers/articles.js
          change='0,/if (loggedUser.id !== article.author.id) {/s//if (false) {/' ;;
        feed_open)
          file=controllers/articles.js
          change='/^const articlesFeed/,/UnauthorizedError/s/if (!loggedUser) throw new UnauthorizedError();/if (!loggedUser) return res.json({ articles: [], articlesCount: 0 });/' ;;
        comment_id_text)
          file=controllers/comments.js
          change='s/^    res.status(201).json({ comment });$/    comment.dataValues.id = String(comment.id);\n    res.status(201).json({ comment });/' ;;
        *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
      esac
      sed -i "$change" "$app/$file"
      cmp -s "$app/$file" "$DIR/src/backend/$file" \
        && { echo "error: $ACCORD_BROKEN changed nothing" >&2; exit 1; }
    fi
    cd "$app"
    PORT=$PORT JWT_KEY=accord-check-jwt-key NODE_ENV=development \
      DEV_DB_USERNAME=postgres DEV_DB_PASSWORD=accord DEV_DB_NAME=conduit \
      DEV_DB_HOSTNAME=127.0.0.1 DEV_DB_DIALECT=postgres \
      nohup node --require "$HERE/../loopback.cjs" index.js >"$DIR/server.log" 2>&1 &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/tags 30
    sleep 2 # the tables are created after the server listens
    echo "http://127.0.0.1:$PORT/api"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    # The first account the run registers (the second is derived from it).
    realworld_credentials
    ;;
  token)
    realworld_token_command http://127.0.0.1:$PORT/api Token "$DIR/openapi.yml"
    ;;
  *)
    usage
    ;;
esac
