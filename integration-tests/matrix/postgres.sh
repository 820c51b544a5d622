# program: postgresql
# exercises: a postmaster and its backends on a stream listener in a socket directory; psql clients; pgbench with eight clients at once; peer authentication by SO_PEERCRED (the right user accepted, a mismatched role refused); the socket removed on a fast shutdown
# needs: psql setpriv
# packages: postgresql postgresql-client util-linux
source "$MATRIX/lib.sh"

initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
if [ ! -x "$initdb" ]; then
  echo "initdb not found in /usr/lib/postgresql/*/bin (Debian package postgresql)"
  exit 1
fi
bin=${initdb%/initdb}

# PostgreSQL refuses to run as root: as root, the server and its clients run as the package's
# "postgres" user, otherwise as the caller.
if [ "$(id -u)" = 0 ]; then
  db_user=postgres
  as_db_user() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
else
  db_user=$(id -un)
  as_db_user() { "$@"; }
fi

mkdir -p pg/sock
[ "$(id -u)" = 0 ] && chown -R postgres:postgres pg
if ! as_db_user test -w "$PWD/pg"; then
  echo "user $db_user cannot reach $PWD: its parent directories must be searchable by others"
  exit 1
fi

as_db_user "$initdb" -D "$PWD/pg/data" --no-sync --no-instructions --locale=C -E UTF8 \
  --auth-local=peer --auth-host=reject > initdb.log 2>&1 || { echo "initdb failed"; cat initdb.log; exit 1; }
# Only unix-socket connections, each authenticated by the peer's credentials.
echo "local all all peer" > pg/data/pg_hba.conf

as_db_user "$bin/postgres" -D "$PWD/pg/data" -k "$PWD/pg/sock" -c listen_addresses= \
  -c fsync=off -c shared_buffers=16MB -c max_connections=20 -c dynamic_shared_memory_type=mmap \
  > postgres.log 2>&1 &
await 30 as_db_user "$bin/pg_isready" -q -h "$PWD/pg/sock"
echo "socket: $(cd pg/sock && ls -A | grep -v lock)"

sql() { as_db_user psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PWD/pg/sock" -d postgres "$@"; }

echo "connected as the OS user: $(sql -c "select current_user = '$db_user'")"
sql <<'EOF'
create table items (id int primary key, qty int not null);
insert into items select g, g * 3 from generate_series(1, 1000) g;
create role someone_else login;
EOF
echo "rows: $(sql -c 'select count(*) from items')"
echo "sum: $(sql -c 'select sum(qty) from items')"

# Three clients at once, each its own backend.
for i in 1 2 3; do
  sql -c "select 'client $i', sum(qty) from items where id % 3 = $((i - 1))" > "client-$i" &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done
for i in 1 2 3; do echo "concurrent: $(cat "client-$i")"; done

# A pgbench run: eight clients at once, each its own backend, many queries over each socket.
as_db_user "$bin/pgbench" -h "$PWD/pg/sock" -i -s 1 -q postgres > pgbench-init.log 2>&1 || { echo "pgbench -i failed"; cat pgbench-init.log; }
as_db_user "$bin/pgbench" -h "$PWD/pg/sock" -c 8 -j 2 -t 50 -n postgres > pgbench.log 2>&1 || { echo "pgbench failed"; cat pgbench.log; }
echo "pgbench: $(grep -o 'number of transactions actually processed: [0-9/]*' pgbench.log)"

# Peer authentication: the OS user ($db_user) may not log in as another role.
sql -U someone_else -c 'select 1' > mismatch.out 2> mismatch.err
echo "as someone_else: exit status $?, $(grep -o 'Peer authentication failed for user "[a-z_]*"' mismatch.err)"

as_db_user "$bin/pg_ctl" -D "$PWD/pg/data" stop -m fast > pg_ctl.log 2>&1
echo "pg_ctl stop: $?"
echo "socket after stop: $(cd pg/sock && ls -A | grep -v lock || echo none)"
