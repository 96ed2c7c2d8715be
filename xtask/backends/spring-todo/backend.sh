#!/usr/bin/env bash
# as-tanais/demo-app: a Spring Boot 3.3 to-do API as many are written, checked against the
# OpenAPI 3.0 document springdoc 2.6 serves for it at /v3/api-docs: a global `security`
# that covers its sign-up and sign-in too, every answer `*/*` (no controller names what it
# produces), only 200 documented, JWTs from jjwt as `Authorization: Bearer`, Spring
# Security's empty 403 for a visitor, and every error the app makes (a broken body, a
# missing record) forwarded to an `/error` its security lets no one reach: an empty 403.
# To-dos are one list for every user; deleting one is an administrator's. Built with
# Debian's Maven from Maven Central for Java 17 (its pom asks for 21; nothing in it needs
# more than 17), run as its jar on 127.0.0.1:8819 with H2 in memory (fresh at each start).
# Its broken copies (broken.tsv, `--broken`), one line of the source changed and built apart:
# the list answers a visitor, an update of the title is dropped.
#   backend.sh setup SOURCE   SOURCE: the fetched as-tanais/demo-app
#   backend.sh start | stop | credentials | token
source "$(dirname "$0")/../lib.sh"
NAME=spring-todo
REPOSITORY=as-tanais/demo-app
COMMIT=a9f8cbc
PORT=8819
DIR=$(backend_dir $NAME)
JAR=target/demo-app-0.0.1-SNAPSHOT.jar

# Builds the source in $1 (its jar under $1/target).
build() {
  (cd "$1" && mvn -B -q -Djava.version=17 -DskipTests package >"$1/build.log" 2>&1) \
    || { echo "error: the Maven build failed (see $1/build.log)" >&2; exit 1; }
}

case "${1:-}" in
  setup)
    source_dir=${2:?backend.sh setup SOURCE (the fetched $REPOSITORY)}
    # The sources alone: the repository also holds a jar built for Java 21.
    unpack "$source_dir" $COMMIT "$DIR/src" "pom.xml src"
    build "$DIR/src"
    ;;
  start)
    port_free $PORT
    from="$DIR/src"
    case "${ACCORD_BROKEN:-}" in
      '') ;;
      open_list|keeps_title)
        from="$DIR/broken-$ACCORD_BROKEN"
        rm -rf "$from" && cp -r "$DIR/src" "$from" && rm -rf "$from/target"
        controller="$from/src/main/java/com/as/demo_app/controllers/TodoItemController.java"
        service="$from/src/main/java/com/as/demo_app/services/TodoItemServiceImpl.java"
        if [ "$ACCORD_BROKEN" = open_list ]; then
          # The list's role check dropped: /api/v1/todo/** is open in the security chain.
          python3 - "$controller" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = "    @PreAuthorize(\"hasAnyRole('ADMIN', 'USER')\")\n    public Collection<TodoItemDto> getAll()"
assert old in s, "open_list changed nothing"
open(p, "w").write(s.replace(old, "    public Collection<TodoItemDto> getAll()"))
PY
        else
          sed -i 's/^            oldTodoItem.setTitle(newTitle);$/            newTitle.length();/' "$service"
          grep -q 'oldTodoItem.setTitle' "$service" && { echo "error: keeps_title changed nothing" >&2; exit 1; }
        fi
        build "$from"
        ;;
      *) echo "error: no broken copy $ACCORD_BROKEN" >&2; exit 2 ;;
    esac
    cd "$from"
    nohup java -jar $JAR --server.address=127.0.0.1 --server.port=$PORT \
      --spring.datasource.url=jdbc:h2:mem:todo >"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
    wait_http $PORT /v3/api-docs 120
    echo "http://127.0.0.1:$PORT"
    ;;
  stop)
    server_stop "$DIR"
    ;;
  credentials)
    # The run's own accounts, registered through the sign-up.
    echo "ACCORD_USER=accorduser"
    echo "ACCORD_PASSWORD=accord-password-1"
    echo "ACCORD_USER_2=accorduser2"
    echo "ACCORD_PASSWORD_2=accord-password-2"
    ;;
  token)
    base=http://127.0.0.1:$PORT/api/v1/auth
    body='{"username":"peer","password":"peer-password-1"}'
    curl -s -X POST "$base/sign-up" -H 'content-type: application/json' -d "$body" >/dev/null
    token=$(curl -s -X POST "$base/sign-in" -H 'content-type: application/json' -d "$body" \
      | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
    echo "Authorization: Bearer $token"
    echo "http://127.0.0.1:$PORT/v3/api-docs"
    ;;
  *)
    usage
    ;;
esac
