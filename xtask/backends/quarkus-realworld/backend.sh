#!/usr/bin/env bash
# diegocamara's RealWorld ("Conduit") backend in Java: Quarkus 3.33 with RESTEasy Classic,
# Jackson, Hibernate Validator and Panache on PostgreSQL, bcrypt passwords and JWTs in
# `Authorization: Token`. It has no OpenAPI document of its own: it is checked against the
# RealWorld project's, as its frontends are. Built with its Maven wrapper from Maven
# Central, run as its `quarkus-run.jar` on 127.0.0.1:8797 with Debian's PostgreSQL.
# Two things differ from its pom: the Quarkus platform BOM it pins (io.quarkus.platform
# 3.33.2.1) is not served by Maven Central's mirror here, so the build takes io.quarkus's
# 3.33.2 BOM (the same release line); and it compiles for Java 25 (`maven.compiler.release`),
# so it needs a JDK 25: JAVA_HOME, or one in /usr/lib/jvm.
#   backend.sh setup SOURCE   SOURCE: the fetched diegocamara/realworld-api-quarkus
#   backend.sh start | stop | credentials | token
# The spec comes from the fetched gothinkster/realworld (SPEC_REPOSITORY at SPEC_COMMIT),
# found beside SOURCE.
source "$(dirname "$0")/../lib.sh"
NAME=quarkus-realworld
REPOSITORY=diegocamara/realworld-api-quarkus
COMMIT=d4fe769
SPEC_REPOSITORY=gothinkster/realworld
SPEC_COMMIT=747190e
PORT=8797
# Below the ephemeral ports (32768 and up), which an outgoing connection may hold.
PG_PORT=25797
DIR=$(backend_dir $NAME)

jdk25() {
  local home
  for home in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
    if [ -n "$home" ] && [ -x "$home/bin/java" ] \
      && "$home/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
      echo "$home"
      return 0
    fi
  done
  echo "error: $NAME compiles for Java 25: set JAVA_HOME to a JDK 25 or later" >&2
  return 2
}

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    spec_git="$(dirname "$source_dir")/../${SPEC_REPOSITORY/\//+}/repo"
    java_home=$(jdk25)
    unpack "$source_dir" $COMMIT "$DIR/src"
    unpack "$spec_git" $SPEC_COMMIT "$DIR/spec" api/openapi.yml
    cp "$DIR/spec/api/openapi.yml" "$DIR/openapi.yml"
    (cd "$DIR/src" && JAVA_HOME="$java_home" ./mvnw -B -q -DskipTests \
      -Dquarkus.platform.group-id=io.quarkus -Dquarkus.platform.version=3.33.2 package \
      >"$DIR/build.log" 2>&1) \
      || { echo "error: the Maven build failed (see $DIR/build.log)" >&2; exit 1; }
    ;;
  start)
    port_free $PORT
    java_home=$(jdk25)
    pg_start "$DIR/pg" $PG_PORT
    pg_fresh_db $PG_PORT app
    cd "$DIR/src"
    QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/app" \
      QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD= \
      QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$PORT \
      nohup "$java_home/bin/java" -jar target/quarkus-app/quarkus-run.jar \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /api/tags 60
    echo "http://127.0.0.1:$PORT/api"
    ;;
  stop)
    server_stop "$DIR"
    pg_stop "$DIR/pg"
    ;;
  credentials)
    realworld_credentials
    ;;
  token)
    realworld_token_command http://127.0.0.1:$PORT/api Token "$DIR/openapi.yml"
    ;;
  *)
    usage
    ;;
esac
