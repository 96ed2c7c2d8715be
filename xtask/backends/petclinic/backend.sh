#!/usr/bin/env bash
# Spring PetClinic's REST API (Spring Boot 4, Spring Data JPA, an in-memory H2 database
# seeded with owners, pets, vets and visits on every start), checked against the OpenAPI
# document it is generated from (src/main/resources/openapi.yml). Its security is off as
# shipped, and its spec names no scheme: the run is a visitor's, and must never write to the
# seeded records. Built with its own Maven wrapper (Maven and every artifact from Maven
# Central); it listens on 127.0.0.1:9966 under /petclinic/api.
#   backend.sh setup SOURCE   SOURCE: the fetched spring-petclinic/spring-petclinic-rest
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=petclinic
REPOSITORY=spring-petclinic/spring-petclinic-rest
COMMIT=698bd83
PORT=9966
DIR=$(backend_dir $NAME)
B=http://127.0.0.1:$PORT/petclinic/api

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    unpack "$source_dir" $COMMIT "$DIR/src"
    cp "$DIR/src/src/main/resources/openapi.yml" "$DIR/spec.yml"
    # Tests, coverage and the enforcer's Maven range are the project's own CI's business.
    (cd "$DIR/src" && ./mvnw -B -q -DskipTests -Djacoco.skip=true package)
    cp "$DIR"/src/target/spring-petclinic-rest-*.jar "$DIR/server.jar"
    ;;
  start)
    # A server left running would answer in place of this one (and its jar was just
    # replaced under it).
    port_free $PORT
    # The database is in memory: every start is the seeded one.
    nohup java -jar "$DIR/server.jar" --server.address=127.0.0.1 --server.port=$PORT \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /petclinic/api/pettypes 120
    echo "$B"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # None: the API is open as shipped.
    ;;
  token)
    # No header (the API is open), then the spec.
    echo ""
    echo "$DIR/spec.yml"
    ;;
  *)
    usage
    ;;
esac
