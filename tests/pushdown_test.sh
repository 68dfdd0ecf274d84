#!/usr/bin/env bash
# Pushdown, differentially: the same signed orders extracted with `where`
# and `follow` pushed into the database (a WHERE, a semi-join against the
# parent) and with CORDON_PUSHDOWN=off give the same packages — every
# table's plaintext, byte for byte, and every count of the manifest — from
# PostgreSQL and from SQLite (whose untyped columns hold '10', 10 and 10.0
# side by side). The values are tricky (NULL and '', case, accents, quotes,
# backslashes, LIKE's and GLOB's wildcards) and the child table is named
# `re"s; DROP TABLE pat; --` with a key column P'ID: quoted, never injected
# (the tables are all there at the end). The plans show the SQL, the
# semi-join included.
# PostgreSQL runs on a server of the test's own (initdb in the scratch
# directory, pg_ctl on a free loopback port, a private socket directory),
# stopped (immediate) and removed on exit; without PostgreSQL's binaries
# that half says NOT RUN and the SQLite half runs alone.
export TMPDIR="${CORDON_SCENARIO_TMPDIR:-$PWD}"
. "$(dirname "$0")/lib.sh"
data() { python3 "$HERE/pushdown_data.py" "$@"; }

migration_order 10 1
sed -n '1,/^\[\[table\]\]/p' order.toml | sed '$d' >head.toml
decrypt() { age -d -i recipient.key "$1"; }

# order N PARENT_WHERE CHILD_WHERE: pushN.toml, signed.
order() {
  local n=$1 pw=$2 cw=$3
  {
    cat head.toml
    echo '[[table]]'
    echo 'name = "pat"'
    [ -n "$pw" ] && echo "where = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1], ensure_ascii=False))' "$pw")"
    cat <<'TOML'
[table.types]
N = "int"
D = "date:%Y-%m-%d"
[table.columns]
ID = "keep"
NOM = "keep"
N = "keep"
D = "keep"
[[table]]
name = "res"
from = 're"s; DROP TABLE pat; --'
follow = "P'ID -> pat.ID"
TOML
    [ -n "$cw" ] && echo "where = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1], ensure_ascii=False))' "$cw")"
    cat <<'TOML'
[table.types]
V = "int"
[table.columns]
"P'ID" = "keep"
RID = "keep"
CODE = "keep"
V = "keep"
[[table]]
name = "obs"
follow = "RID -> res.RID"
[table.columns]
RID = "keep"
X = "keep"
TOML
  } >push$n.toml
  $CORDON order sign push$n.toml -k ctrl.key >/dev/null
}

# The orders: the parent's `where`, the child's (| between them).
cat >wheres.txt <<'WHERES'
N > 50|
NOM = 'O''Brien' OR NOM IS NULL|V < 5
D >= 2017-05-07 AND NOM LIKE 'D%'|
NOM IN ('Émile', 'emile', 'Zoë')|CODE = 'GLY'
NOT (N < 10) AND D IS NOT NULL|CODE IS NULL OR V > 3
ID IS NULL|
ID IN ('', 'x''y', 'É', '007', '12')|
NOM LIKE '%''%'|V IS NOT NULL
NOM LIKE '%*%' OR NOM LIKE '[%' OR NOM LIKE '%\%'|
N IN (1, 2, 3) OR NOM = 'x'' OR ''1''=''1'|
NOM = '''; DROP TABLE pat; --'|CODE <> 'G_Y'
|CODE = 'HBA'
N > 20|CODE LIKE 'G_Y'
NOM < 'E' AND N >= 0|CODE LIKE '%'
D < 2016-06-01 OR D > 2021-01-01|V IN (0, 9)
WHERES

# run SOURCE TAG: every order extracted with pushdown on and off; the
# packages and counts compared; how many child statements had a semi-join.
run() {
  local src=$1 tag=$2 i=0 joined=0 where_pushed=0
  while IFS='|' read -r pw cw; do
    i=$((i + 1))
    [ -f push$i.toml ] || order $i "$pw" "$cw"
    for way in on off; do
      CORDON_PUSHDOWN=$way expect_code 0 $CORDON extract --order push$i.toml --source "$src" \
        --controller-key ctrl.key.pub --signing-key vendor.key --out $tag$i-$way
      CORDON_PUSHDOWN=$way expect_code 0 $CORDON plan --order push$i.toml --source "$src" --json
      mv "$T/.out" $tag$i-$way.json
    done
    for t in pat res obs; do
      cmp -s <(decrypt $tag$i-off/$t.csv.age) <(decrypt $tag$i-on/$t.csv.age) ||
        fail "$tag: [$pw | $cw]: $t differs with and without pushdown"
      pass
    done
    python3 - $tag$i-on/manifest.json $tag$i-off/manifest.json $tag$i-on.json $tag$i-off.json <<'PY' >>$tag-pushed.txt || fail "$tag: counts differ for [$pw | $cw]"
import json, sys
on, off = (json.load(open(p))["tables"] for p in sys.argv[1:3])
keys = ("rows_read", "rows_written", "rows_excluded_by_where", "rows_excluded_by_follow")
for a, b in zip(on, off):
    for k in keys:
        if k in a or k in b:
            assert a.get(k) == b.get(k), (a["name"], k, a.get(k), b.get(k))
pon, poff = (json.load(open(p))["tables"] for p in sys.argv[3:5])
for a, b in zip(pon, poff):
    for k in ("rows_read", "rows_selected", "rows_excluded_by_where", "rows_excluded_by_follow"):
        assert a[k] == b[k], (a["name"], k, a[k], b[k])
    assert " WHERE " not in b["statement"], b["statement"]
print("%d %d" % (" WHERE " in pon[0]["statement"], " IN (SELECT " in pon[1]["statement"]))
PY
    pass
  done <wheres.txt
  read -r where_pushed joined < <(awk '{w += $1; j += $2} END {print w, j}' $tag-pushed.txt)
  # Pushed, not merely kept in cordon: most parents filter in SQL, and a
  # child whose whole `where` is pushed follows with a semi-join.
  [ "$where_pushed" -ge 12 ] || fail "$tag: only $where_pushed parent filters pushed"
  [ "$joined" -ge 10 ] || fail "$tag: only $joined semi-joins"
  pass
}

# SQLite.
data sqlite lab.db
run sqlite:lab.db sq
# The grandchild's semi-join nests the child's, which nests the parent's;
# the parameters are bound (shown after the statement), never in the SQL.
python3 - sq2-on.json <<'PY' || fail "the SQLite plan does not show the semi-joins"
import json, sys
t = json.load(open(sys.argv[1]))["tables"]
assert t[1]["statement"].count("IN (SELECT") == 1 and t[2]["statement"].count("IN (SELECT") == 2, t
sql, params = t[0]["statement"].split(" -- parameters: ")
assert "O''Brien" not in sql and "?" in sql and params == "'O''Brien'", t[0]["statement"]
assert 'FROM "re""s; DROP TABLE pat; --"' in t[2]["statement"], t[2]["statement"]
PY
pass
python3 - lab.db <<'PY' || fail "a SQLite table is gone"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for t in ("pat", 're"s; DROP TABLE pat; --', "obs"):
    db.execute('SELECT count(*) FROM "%s"' % t.replace('"', '""')).fetchone()
PY
pass

PGBIN=${CORDON_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql >/dev/null; then
  echo "pushdown: PostgreSQL NOT RUN: PostgreSQL's server binaries are not installed" >&2
  done_ok
  exit 0
fi
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "pushdown: PostgreSQL NOT RUN: no postgres user" >&2; done_ok; exit 0; }
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
fi
PGD="$T/cluster"
cleanup() {
  if [ -f "$PGD/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGD/data" stop -m immediate -w >/dev/null 2>&1 || true
  fi
  rm -rf "$T" "$PGD" "${SOCK:-}"
}
trap cleanup EXIT
chmod 755 "$T"
if ! as_pg test -x "$T"; then
  PGD=$(mktemp -d /var/tmp/cordon-pg.XXXXXX)
  chmod 755 "$PGD"
fi
SOCK="$PGD/sock"
[ ${#SOCK} -le 80 ] || SOCK=$(mktemp -d /var/tmp/cordon-pgs.XXXXXX)
mkdir -p "$PGD" "$SOCK"
chmod 700 "$SOCK"
[ "$(id -u)" -eq 0 ] && chown -R postgres "$PGD" "$SOCK"
as_pg "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg tee -a "$PGD/data/postgresql.conf" >/dev/null <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
log_statement = 'all'
log_line_prefix = '%a| '
fsync = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 start >/dev/null ||
  { cat "$PGD/server.log" >&2; fail "the test server did not start"; }
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
psql -X -q -d postgres -c "CREATE DATABASE lis"
data pg | psql -X -q -v ON_ERROR_STOP=1 -d lis >/dev/null
run "postgresql://postgres@127.0.0.1:$port/lis" pg
python3 - pg2-on.json <<'PY' || fail "the PostgreSQL plan does not show the semi-joins"
import json, sys
t = json.load(open(sys.argv[1]))["tables"]
assert t[1]["statement"].count("IN (SELECT") == 1 and t[2]["statement"].count("IN (SELECT") == 2, t
assert 'FROM "public"."re""s; DROP TABLE pat; --"' in t[2]["statement"], t[2]["statement"]
assert '"P\'ID" COLLATE "C" IN (SELECT "ID" FROM "public"."pat" WHERE' in t[1]["statement"], t[1]
PY
pass
# The statements the server ran: the semi-join, no SELECT *.
grep '^cordon| ' "$PGD/server.log" >statements.log || true
grep -qF 'IN (SELECT "ID" FROM "public"."pat"' statements.log || fail "the server never ran the semi-join"
grep -qF 'SELECT *' statements.log && fail "SELECT * in the statement log"
pass
[ "$(psql -X -At -d lis -c 'SELECT count(*) FROM pat')" = 125 ] || fail "pat lost rows"
[ "$(psql -X -At -d lis -c 'SELECT count(*) FROM "re""s; DROP TABLE pat; --"')" = 400 ] || fail "the child lost rows"
pass
done_ok
