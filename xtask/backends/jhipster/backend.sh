#!/usr/bin/env bash
# JHipster's sample application (Spring Boot 3, Spring Security with JWTs, Hibernate on an
# in-memory H2 database seeded with fake bank accounts, labels and operations on every
# start), checked against the OpenAPI 3.1 document springdoc generates from it: it declares
# no security and documents 200 alone. The user signs in at POST /api/authenticate
# (`{"id_token": ...}`); a sign-up is accepted but cannot sign in before its e-mailed
# activation link is followed (JHipster answers that sign-in 500); /api/admin/** is for the
# admin role. Built with Maven (every artifact from Maven Central), without its Angular
# frontend; it listens on 127.0.0.1:8850.
#   backend.sh setup SOURCE   SOURCE: the fetched jhipster/jhipster-sample-app
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=jhipster
REPOSITORY=jhipster/jhipster-sample-app
# v8.11.0, the last on Java 17 (this machine's).
COMMIT=6f961d00
PORT=8850
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT

# The admin's token: the document is served to the admin role alone.
admin_token() {
  curl -s -X POST "$B/api/authenticate" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"admin"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id_token"])'
}

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    unpack "$source_dir" $COMMIT "$DIR/src"
    # The dev profile (H2), its API docs, no webapp (it would fetch Node from nodejs.org)
    # and no Docker Compose; tests and the project's own lint are its CI's business.
    (cd "$DIR/src" && mvn -B -q -P'dev,api-docs,!webapp,!docker-compose' -DskipTests \
      -Dcheckstyle.skip -Dmodernizer.skip -Dspotless.skip=true -Denforcer.skip \
      -Djacoco.skip=true package)
    cp "$DIR"/src/target/jhipster-sample-application-*.jar "$DIR/server.jar"
    "$0" start >/dev/null
    curl -s -H "Authorization: Bearer $(admin_token)" "$B/v3/api-docs" -o "$DIR/spec.json"
    "$0" stop
    ;;
  start)
    port_free $PORT
    # The database is in memory: every start is the seeded one.
    nohup java -jar "$DIR/server.jar" --spring.profiles.active=dev,api-docs \
      --server.address=127.0.0.1 --server.port=$PORT --spring.docker.compose.enabled=false \
      --logging.level.ROOT=WARN --logging.level.io.github.jhipster.sample=WARN \
      --logging.level.tech.jhipster=WARN >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /management/health 120
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # The seeded user (its login, or its address, signs in).
    echo "ACCORD_USER=user@localhost"
    echo "ACCORD_PASSWORD=user"
    ;;
  token)
    curl -s -X POST "$B/api/authenticate" -H 'content-type: application/json' \
      -d '{"username":"user","password":"user"}' |
      python3 -c 'import json, sys; print("Authorization: Bearer " + json.load(sys.stdin)["id_token"])'
    echo "$DIR/spec.json"
    ;;
  *)
    usage
    ;;
esac
