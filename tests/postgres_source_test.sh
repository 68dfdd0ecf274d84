#!/usr/bin/env bash
# A LIS-like PostgreSQL database under the same signed order as its CSV
# export, on a server of the test's own (initdb in the scratch directory,
# pg_ctl on a free loopback port with a private socket directory, every
# statement logged): `extract --source postgresql://` gives the CSV path's
# rows, byte for byte; the statement log shows the order's columns only and
# no `SELECT *`, and a role granted SELECT on those columns alone suffices;
# a column added after the plan never appears; a named column that is gone
# refuses the run; a writer inserting and updating during the extraction
# changes nothing (one snapshot); `open --into postgresql://` loads exactly
# the selection, and a constraint violation midway leaves the destination
# as it was; a password in the URL is refused and recorded nowhere; the
# exact part of a `where` is pushed into the COPY and changes no row nor
# count (against the CSV path and CORDON_PUSHDOWN=off, with hostile values
# and names); --create-tables types columns from manifest v2, and an
# existing column of another type is refused; TLS with sslmode=require and
# verify-full, a wrong root refused with its reason; no sample value is
# left in clear outside the cluster.
# The server is stopped (immediate) and everything removed on exit. Without
# PostgreSQL's binaries the test says NOT RUN and passes.
export TMPDIR="${CORDON_SCENARIO_TMPDIR:-$PWD}"
. "$(dirname "$0")/lib.sh"
PGBIN=${CORDON_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql >/dev/null; then
  echo "postgres_source: NOT RUN: PostgreSQL's server binaries are not installed (apt install postgresql)" >&2
  exit 0
fi
# initdb refuses root: as root, the cluster belongs to the `postgres` user.
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "postgres_source: NOT RUN: no postgres user" >&2; exit 0; }
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
lis() { python3 "$HERE/postgres_lis.py" "$@"; }
touch .start

chmod 755 "$T"
if ! as_pg test -x "$T"; then
  # The build tree is out of the postgres user's reach (a parent directory
  # is private, e.g. /root): the cluster goes to its own directory in
  # /var/tmp, removed on exit like the rest.
  PGD=$(mktemp -d /var/tmp/cordon-pg.XXXXXX)
  chmod 755 "$PGD"
fi
SOCK="$PGD/sock"
# A Unix socket's path has at most 107 bytes: a deep build tree gets a short
# private directory instead.
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
db="postgresql://postgres@127.0.0.1:$port"
statements() { grep '^cordon| ' "$PGD/server.log" || true; }

migration_order 1500 90417
psql -X -q -d postgres -c "CREATE DATABASE lis" -c "CREATE DATABASE dest"
lis load lis src
$CORDON order sign order.toml -k ctrl.key >/dev/null
extract() {  # extract SOURCE OUT [args…]
  local src=$1 out=$2; shift 2
  expect_code 0 $CORDON extract --order order.toml --source "$src" --controller-key ctrl.key.pub \
    --signing-key vendor.key --out "$out" "$@"
}
decrypt() { age -d -i recipient.key "$1"; }
# Rows come in the table's physical order, which an UPDATE changes (the new
# row version lands elsewhere): after one, compare header and sorted rows.
sorted() { decrypt "$1" | { IFS= read -r h; echo "$h"; LC_ALL=C sort; }; }

# A password in the URL is refused before any connection, and never repeated.
expect_code 3 $CORDON plan --order order.toml --source "postgresql://postgres:hunter2@127.0.0.1:$port/lis"
expect_stderr "holds a password"
expect_stderr "PGPASSFILE"
grep -q hunter2 "$T/.err" "$T/.out" && fail "the password is repeated"
expect_code 3 $CORDON plan --order order.toml --source "$db/lis?password=hunter2"

# plan: the same counts as the CSV export; one COPY per table, the order's
# columns only.
expect_code 0 $CORDON plan --order order.toml --source src --json
mv "$T/.out" plan-csv.json
expect_code 0 $CORDON plan --order order.toml --source "$db/lis" --json
mv "$T/.out" plan-pg.json
python3 - plan-csv.json plan-pg.json <<'PY' >granted.sql || fail "plans differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for x, y in zip(a["tables"], b["tables"]):
    for k in ("rows_read", "rows_selected", "rows_excluded_by_where", "rows_excluded_by_follow"):
        assert x[k] == y[k], (x["name"], k)
    s = y["statement"]
    assert "*" not in s, s
    kept = [c["name"] for c in y["columns_kept"]]
    cols = ", ".join('"%s"' % c for c in kept)
    # Text columns only: COPY's binary format.
    assert s == 'COPY (SELECT %s FROM "public"."%s") TO STDOUT (FORMAT binary)' % (cols, y["name"]), s
    print('GRANT SELECT (%s) ON "%s" TO cordon_reader;' % (cols, y["name"]))
PY
pass
expect_code 0 $CORDON plan --order order.toml --source "$db/lis"
grep -qF 'COPY (SELECT "NUM_DOSSIER", "NIR", "NOM", "PRENOM", "DATE_NAISSANCE", "DATE_DERNIERE_VISITE" FROM "public"."patients") TO STDOUT (FORMAT binary)' "$T/.out" ||
  fail "the text plan does not show the statement"
expect_code 0 $CORDON order check order.toml --source "$db/lis"
grep -q "(postgresql)" "$T/.out" || fail "order check does not name the postgresql source"

# A read-only role granted SELECT on the order's columns only (the GRANT
# lines of docs/databases.md) is all cordon needs.
lis sql lis <<SQL
CREATE ROLE cordon_reader LOGIN;
$(cat granted.sql)
SQL

# extract: the same rows as the CSV path, decrypted through pipes only.
extract src pkg-csv
extract "postgresql://cordon_reader@127.0.0.1:$port/lis" pkg-db
for t in patients resultats; do
  cmp -s <(decrypt pkg-csv/$t.csv.age) <(decrypt pkg-db/$t.csv.age) || fail "$t differs between CSV and PostgreSQL"
  pass
done
[ "$(decrypt pkg-db/resultats.csv.age | wc -l)" -gt 100 ] || fail "too few rows to compare"
# The statement log: cordon's COPYs name the order's columns, never '*'.
statements >log-1.txt
grep -q 'SELECT \*' log-1.txt && fail "cordon ran SELECT *"
grep -qF 'COPY (SELECT "NUM_DOSSIER", "DATE_PRELEVEMENT", "CODE_ANALYSE", "RESULTAT", "UNITE" FROM "public"."resultats") TO STDOUT (FORMAT binary)' log-1.txt ||
  fail "the log lacks the resultats COPY"
grep -q 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' log-1.txt || fail "no snapshot transaction"
pass

# A column added after the plan was signed is never read and never leaves.
lis sql lis <<<'ALTER TABLE patients ADD COLUMN "TEL_PORTABLE" TEXT; UPDATE patients SET "TEL_PORTABLE" = '\''0699887766'\'';'
before=$(wc -l <"$PGD/server.log")
extract "postgresql://cordon_reader@127.0.0.1:$port/lis" pkg-added
decrypt pkg-added/patients.csv.age | grep -q -e 0699887766 -e TEL_PORTABLE && fail "the new column left"
tail -n +"$((before + 1))" "$PGD/server.log" | grep '^cordon| ' | grep -q TEL_PORTABLE && fail "the new column was named in a statement"
cmp -s <(sorted pkg-db/patients.csv.age) <(sorted pkg-added/patients.csv.age) || fail "a new column changed the rows"
pass
# A named column that is gone refuses the run, naming it; nothing written.
psql -X -q -d postgres -c "CREATE DATABASE gone TEMPLATE lis"
lis sql gone <<<'ALTER TABLE patients DROP COLUMN "PRENOM";'
expect_code 3 $CORDON extract --order order.toml --source "$db/gone" --controller-key ctrl.key.pub \
  --signing-key vendor.key --out pkg-gone
expect_stderr "unknown column PRENOM in patients"
[ ! -e pkg-gone ] && [ ! -e pkg-gone.partial ] || fail "a refused extract left a package"

# A writer inserting and updating both tables while the extraction runs
# (cordon has its snapshot and waits for resultats) changes nothing: the
# package is the one made just before, byte for byte.
extract "$db/lis" pkg-before
lis writer lis writer.log -- $CORDON extract --order order.toml --source "$db/lis" \
  --controller-key ctrl.key.pub --signing-key vendor.key --out pkg-during || { cat writer.log >&2; fail "extract during writes"; }
for t in patients resultats; do
  cmp -s <(decrypt pkg-before/$t.csv.age) <(decrypt pkg-during/$t.csv.age) || fail "$t changed under concurrent writes"
  pass
done
# …while a new extraction does see them (the test's writes happened).
extract "$db/lis" pkg-after
decrypt pkg-after/resultats.csv.age | grep ',999,' >/dev/null || fail "the writes did not happen"
cmp -s <(decrypt pkg-before/resultats.csv.age) <(decrypt pkg-after/resultats.csv.age) && fail "the writes are not seen after"
pass

# Dates are dates: a DATE column needs no [table.types] for `where`. (In
# a schema other than public: the table is named schema.table.)
lis sql lis <<'SQL'
CREATE SCHEMA lab;
CREATE TABLE lab.visites AS SELECT "NUM_DOSSIER", to_date("DATE_DERNIERE_VISITE", 'DD/MM/YYYY') AS "VISITE"
  FROM patients WHERE "NUM_DOSSIER" NOT LIKE '%-NEW';
SQL
sed -n '1,/^\[\[table\]\]/p' order.toml | sed '$d' >dates.toml
cat >>dates.toml <<'TOML'
[[table]]
name = "visites"
from = "lab.visites"
where = "VISITE >= 2017-05-07"
[table.columns]
NUM_DOSSIER = "keep"
VISITE = "keep"
TOML
expect_code 0 $CORDON plan --order dates.toml --source "$db/lis" --json
python3 - plan-csv.json "$T/.out" <<'PY' || fail "a DATE column is not a date"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["tables"][0]["rows_selected"] == a["tables"][0]["rows_selected"], (a, b)
assert b["tables"][0]["statement"] == 'COPY (SELECT "NUM_DOSSIER", "VISITE" FROM "lab"."visites" WHERE ("VISITE" >= DATE \'2017-05-07\')) TO STDOUT (FORMAT binary)', b
PY
pass

# Pushdown: a `where` that translates exactly is filtered by the server,
# and the selection is the same as without it (CORDON_PUSHDOWN=off) and as
# the CSV path's, row for row, counts included. The values and the order
# are an attacker's: quotes, backslashes, $$, a column named like SQL, a
# NUL in a literal; the table is still there afterwards.
python3 - >push.sql <<'PY'
import random
r = random.Random(7)
names = ["DUPONT", "O'Brien", "a\\b", "x$$y", "", None, "Émile", "emile", "Z", "d_p", "DUP",
         "'; DROP TABLE p; --", "x' OR '1'='1", "back\\", "tab\tin", "MARTIN"]
print('CREATE TABLE p ("ID" integer, "NOM" text, "VISITE" date, "SELECT" varchar(40), '
      '"); DROP TABLE p; --" text, "POIDS" numeric, "CODE" char(3));')
def lit(v):
    return "NULL" if v is None else "E'" + v.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t") + "'"
for i in range(1, 301):
    vals = [str(i) if r.random() > 0.05 else "NULL", lit(r.choice(names)),
            "NULL" if r.random() < 0.1 else "DATE '2015-01-01' + %d" % r.randrange(0, 3000),
            lit(r.choice(names)), lit(r.choice(["a", "", None, "$$"])),
            "NULL" if r.random() < 0.1 else "%d.%d" % (r.randrange(0, 9), r.randrange(0, 99)),
            lit(r.choice(["A", "AB", None]))]
    print("INSERT INTO p VALUES (%s);" % ", ".join(vals))
PY
lis sql lis <push.sql
mkdir -p src-push
psql -X -q -d lis -c "\copy p TO 'src-push/p.csv' WITH (FORMAT csv, HEADER true, DELIMITER ';')"
i=0
while IFS= read -r where; do
  i=$((i + 1))
  sed -n '1,/^\[\[table\]\]/p' order.toml | sed '$d' >push$i.toml
  cat >>push$i.toml <<TOML
[[table]]
name = "p"
where = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1].replace("<NUL>", "\0"), ensure_ascii=False))' "$where")
[table.types]
ID = "int"
VISITE = "date:%Y-%m-%d"
POIDS = "decimal"
[table.columns]
ID = "keep"
NOM = "keep"
VISITE = "keep"
SELECT = "keep"
"); DROP TABLE p; --" = "keep"
POIDS = "keep"
TOML
  $CORDON order sign push$i.toml -k ctrl.key >/dev/null
  for way in csv on off; do
    src=("$db/lis"); [ $way = csv ] && src=(src-push --csv-sep ';' --csv-encoding utf-8)
    CORDON_PUSHDOWN=$way expect_code 0 $CORDON extract --order push$i.toml --source "${src[@]}" \
      --controller-key ctrl.key.pub --signing-key vendor.key --out push$i-$way
    CORDON_PUSHDOWN=$way expect_code 0 $CORDON plan --order push$i.toml --source "${src[@]}" --json
    mv "$T/.out" push$i-$way.json
  done
  cmp -s <(decrypt push$i-csv/p.csv.age) <(decrypt push$i-on/p.csv.age) || fail "pushed down, [$where] differs from the CSV path"
  cmp -s <(decrypt push$i-off/p.csv.age) <(decrypt push$i-on/p.csv.age) || fail "[$where] differs with and without pushdown"
  python3 - push$i-csv/manifest.json push$i-on/manifest.json push$i-off/manifest.json <<'PY' || fail "counts differ for [$where]"
import json, sys
ts = [json.load(open(p))["tables"][0] for p in sys.argv[1:]]
for k in ("rows_read", "rows_written", "rows_excluded_by_where"):
    assert len({t[k] for t in ts}) == 1, (k, [t[k] for t in ts])
PY
  python3 - push$i-on.json push$i-off.json "$where" >>pushed.txt <<'PY'
import json, sys
on, off = (json.load(open(p))["tables"][0]["statement"] for p in sys.argv[1:3])
assert " WHERE " not in off, off
print(("PUSHED " if " WHERE " in on else "KEPT ") + sys.argv[3] + "\t" + on)
PY
  pass
done <<'WHERES'
VISITE >= 2017-05-07 AND ID > 10
NOM = 'O''Brien'
NOM = 'a\b' OR NOM = 'back\'
NOM LIKE '%$$%' OR "SELECT" LIKE '%$$%'
"SELECT" = 'x'' OR ''1''=''1'
"SELECT" = 'x''; DROP TABLE p; --'
"); DROP TABLE p; --" IS NULL
NOM IS NULL
NOT (NOM <> 'DUPONT')
NOM IN ('Émile', 'emile', 'Z')
NOM < 'MARTIN' AND NOM >= 'D'
NOM > 'Z'
NOM LIKE 'd_p'
NOM LIKE '%p'
POIDS > 2.5 AND ID < 150
ID IN (1, 2, 3, 250) OR VISITE IS NULL
NOT (VISITE < 2016-01-01 OR ID IS NULL)
NOM = 'a<NUL>b' OR ID = 7
WHERES
# What was pushed: the exact parts; not LIKE with '_', decimals, a NUL.
grep -q "^PUSHED VISITE >= 2017-05-07 AND ID > 10" pushed.txt || fail "a date and integer where is not pushed"
grep -q "^PUSHED NOM = 'O''Brien'.*= 'O''Brien'" pushed.txt || fail "a quote is not quoted"
grep -qF "= 'a\\b' OR NOM = 'back\\'"$'\t'"COPY (SELECT \"ID\", \"NOM\", \"VISITE\", \"SELECT\", \"); DROP TABLE p; --\", \"POIDS\" FROM \"public\".\"p\" WHERE (((NULLIF(\"NOM\", '') COLLATE \"C\") =  E'a\\\\b') OR ((NULLIF(\"NOM\", '') COLLATE \"C\") =  E'back\\\\'))) TO STDOUT" pushed.txt ||
  fail "backslashes are not quoted: $(grep back pushed.txt)"
grep -q "^KEPT NOM LIKE 'd_p'" pushed.txt || fail "LIKE with _ was pushed"
grep -q "^PUSHED POIDS > 2.5 AND ID < 150.*WHERE (\"ID\" < 150)) TO" pushed.txt || fail "the exact conjunct alone is not pushed"
grep -q "^KEPT NOM = 'a<NUL>b' OR ID = 7" pushed.txt || fail "a literal with a NUL was pushed"
[ "$(psql -X -At -d lis -c 'SELECT count(*) FROM p')" = 300 ] || fail "the table p was altered"
statements | grep -F 'WHERE ("VISITE" >= DATE' >/dev/null || fail "the statement log does not show the pushed where"
pass

# COPY's binary format: where every column read is of a type it carries
# (text, varchar, bpchar, integers, date, boolean), the rows come in it and
# cordon renders them as the text format writes them. The values most likely
# to differ (the ends of every range, BC dates, infinities, padding, escapes,
# NULL beside the empty string) give the same package bytes as
# CORDON_PG_COPY=text; a numeric column keeps the text format.
lis sql lis <<'SQL'
CREATE TABLE edge ("ID" int8, "S" int2, "I" int4, "D" date, "B" boolean, "C" char(5),
                   "V" varchar(20), "T" text);
INSERT INTO edge VALUES
  (-9223372036854775808, -32768, -2147483648, '4714-11-24 BC', true, 'ab', '', E'tab\there'),
  (9223372036854775807, 32767, 2147483647, '5874897-12-31', false, '', 'v', E'line\nbreak \\ back'),
  (0, 0, 0, '0001-12-31 BC', NULL, NULL, NULL, NULL),
  (1, 1, 1, 'infinity', true, 'abcde', 'Émile', '"quoted";semi,comma'),
  (2, -1, -1, '-infinity', false, ' x ', '  ', '\N'),
  (3, 7, 7, '2000-02-29', true, 'é', 'ß', E'\u01C5 \r cr'),
  (4, 8, 8, '1900-03-01', NULL, 'z', 'z', 'z'),
  (5, 9, 9, '10000-01-01', NULL, 'z', 'z', 'z'),
  (6, 10, 10, '0044-03-15 BC', false, 'z', 'z', 'z');
CREATE TABLE edge_num AS SELECT "ID", "D", 1.50::numeric AS "N" FROM edge;
-- Types named as built-ins are not built-ins (a schema of their own, an
-- enum, a domain over text): decoded as int4, date or bool they would be
-- garbage, so they keep the text format.
CREATE SCHEMA evil;
CREATE TYPE evil.int4 AS ENUM ('ABCD', 'WXYZ');
CREATE TYPE evil.bool AS ENUM ('N', 'Y');
CREATE DOMAIN evil.date AS text;
CREATE DOMAIN public.dd AS evil.date;
CREATE DOMAIN public.plain_date AS date;
CREATE TABLE edge_evil AS SELECT "ID", CASE WHEN "ID" % 2 = 0 THEN 'ABCD' ELSE 'WXYZ' END::evil.int4 AS "CODE",
  CASE WHEN "ID" % 2 = 0 THEN 'N' ELSE 'Y' END::evil.bool AS "FLAG", "T"::dd AS "BORN",
  "D"::plain_date AS "PD" FROM edge;
CREATE TABLE edge_dom AS SELECT "ID", "D"::plain_date AS "PD" FROM edge;
SQL
for t in edge edge_num edge_evil edge_dom; do
  sed -n '1,/^\[\[table\]\]/p' order.toml | sed '$d' >$t.toml
  printf '[[table]]\nname = "%s"\nfrom = "%s"\n[table.columns]\n' $t $t >>$t.toml
  psql -X -At -d lis -c "SELECT attname FROM pg_attribute WHERE attrelid = '$t'::regclass AND attnum > 0" |
    sed 's/.*/& = "keep"/' >>$t.toml
  $CORDON order sign $t.toml -k ctrl.key >/dev/null
  # What plan shows is what runs.
  expect_code 0 $CORDON plan --order $t.toml --source "$db/lis" --json
  shown=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tables"][0]["statement"])' "$T/.out")
  statements | grep -qF "$shown" || fail "$t: plan shows [$shown], which did not run"
  for format in binary text; do
    expect_code 0 env CORDON_PG_COPY=$format $CORDON extract --order $t.toml --source "$db/lis" \
      --controller-key ctrl.key.pub --signing-key vendor.key --out pkg-$t-$format
  done
  cmp -s <(decrypt pkg-$t-binary/$t.csv.age) <(decrypt pkg-$t-text/$t.csv.age) ||
    fail "$t: the binary COPY gives other rows than the text one: $(diff <(decrypt pkg-$t-binary/$t.csv.age) <(decrypt pkg-$t-text/$t.csv.age) | head -5)"
  [ "$(decrypt pkg-$t-binary/$t.csv.age | python3 -c 'import csv, sys; print(len(list(csv.reader(sys.stdin))))')" -eq 10 ] ||
    fail "$t: not every row extracted"
done
statements | grep -qF 'COPY (SELECT "ID", "S", "I", "D", "B", "C", "V", "T" FROM "public"."edge") TO STDOUT (FORMAT binary)' ||
  fail "the edge table was not read in the binary format"
statements | grep -qF 'COPY (SELECT "ID", "D", "N" FROM "public"."edge_num") TO STDOUT' ||
  fail "a numeric column did not keep the text format"
statements | grep -F '"edge_num"' | grep -q 'FORMAT binary' && fail "a numeric column was read in binary"
statements | grep -F '"edge_evil"' | grep -q 'FORMAT binary' && fail "types named as built-ins were read in binary"
decrypt pkg-edge_evil-binary/edge_evil.csv.age | grep -q '^1,WXYZ,Y,' || fail "an enum named int4 was not rendered as itself"
pass

# holding_lock TABLE: waits (up to 5 s) until a concurrent transaction holds
# TABLE's ACCESS EXCLUSIVE lock, so that cordon starts while it does.
holding_lock() {
  for _ in $(seq 100); do
    [ "$(psql -X -At -d lis -c "SELECT count(*) FROM pg_locks WHERE relation = '$1'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && return
    sleep 0.05
  done
}
# A column's type changed while cordon starts reading (an ALTER that does
# not rewrite the table, committed after cordon's snapshot): the format and
# the rendering follow the type the COPY sends (the prepared SELECT waits
# for the ALTER's lock), so -1 as an oid is 4294967295, as the text format
# writes it afterwards, not -1.
lis sql lis <<'SQL'
CREATE TABLE race ("ID" int4, "X" int4);
INSERT INTO race VALUES (1, -1), (2, 7);
SQL
sed -n '1,/^\[\[table\]\]/p' order.toml | sed '$d' >race.toml
printf '[[table]]\nname = "race"\nfrom = "race"\n[table.columns]\nID = "keep"\nX = "keep"\n' >>race.toml
$CORDON order sign race.toml -k ctrl.key >/dev/null
psql -X -q -d lis -c 'BEGIN' -c 'ALTER TABLE race ALTER COLUMN "X" TYPE oid' -c 'SELECT pg_sleep(2)' \
  -c 'COMMIT' >/dev/null &
altering=$!
holding_lock race
expect_code 0 $CORDON extract --order race.toml --source "$db/lis" --controller-key ctrl.key.pub \
  --signing-key vendor.key --out pkg-race
wait $altering
expect_code 0 env CORDON_PG_COPY=text $CORDON extract --order race.toml --source "$db/lis" \
  --controller-key ctrl.key.pub --signing-key vendor.key --out pkg-race-after
decrypt pkg-race-after/race.csv.age | grep -q '^1,4294967295' || fail "the oid is not rendered as the server writes it"
cmp -s <(decrypt pkg-race/race.csv.age) <(decrypt pkg-race-after/race.csv.age) ||
  fail "a type changed during the run was decoded as the old one: $(decrypt pkg-race/race.csv.age | tr '\r\n' '  ')"
pass

# A table truncated after cordon's snapshot (TRUNCATE is not MVCC-safe: the
# snapshot would read it as empty) is refused, not extracted as empty.
lis sql lis <<'SQL'
CREATE TABLE trunc_race ("ID" int4, "X" int4);
INSERT INTO trunc_race VALUES (1, 1), (2, 2);
SQL
sed 's/"race"/"trunc_race"/g' race.toml >trunc.toml
$CORDON order sign trunc.toml -k ctrl.key >/dev/null
psql -X -q -d lis -c 'BEGIN' -c 'TRUNCATE trunc_race' -c 'SELECT pg_sleep(2)' -c 'COMMIT' >/dev/null &
truncating=$!
holding_lock trunc_race
expect_code 3 $CORDON extract --order trunc.toml --source "$db/lis" --controller-key ctrl.key.pub \
  --signing-key vendor.key --out pkg-trunc
wait $truncating
expect_stderr "truncated or rewritten"
[ -e pkg-trunc ] && fail "a package was written for a truncated table"
pass

# Rows stream from libpq: extracting a 60 MB table takes about the memory of
# a 60 KB one.
lis sql lis <<'SQL'
CREATE TABLE big AS SELECT g::text AS "ID", repeat(md5(g::text), 6) AS "CODE"
  FROM generate_series(1, 300000) g;
CREATE TABLE small AS SELECT * FROM big WHERE "ID"::int <= 300;
SQL
for t in big small; do
  sed -n '1,/^\[\[table\]\]/p' order.toml | sed '$d' >$t.toml
  printf '[[table]]\nname = "%s"\nfrom = "%s"\n[table.columns]\nID = "keep"\nCODE = "keep"\n' $t $t >>$t.toml
  $CORDON order sign $t.toml -k ctrl.key >/dev/null
  expect_code 0 /usr/bin/time -f "%M" -o rss-$t.txt $CORDON extract --order $t.toml --source "$db/lis" \
    --controller-key ctrl.key.pub --signing-key vendor.key --out pkg-$t
done
[ "$(decrypt pkg-big/big.csv.age | wc -l)" -eq 300001 ] || fail "the big table is not whole"
# (AddressSanitizer's shadow memory and quarantine make RSS meaningless.)
[ -n "${CORDON_SANITIZED:-}" ] || [ "$(cat rss-big.txt)" -lt $(($(cat rss-small.txt) + 16384)) ] ||
  fail "a 60 MB table took $(cat rss-big.txt) KiB, a small one $(cat rss-small.txt) KiB"
pass

# open --into a second database: the selection, as it left.
expect_code 0 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub \
  --into "$db/dest" --create-tables
grep -q "postgresql://127.0.0.1:$port/dest table patients" "$T/.out" || fail "the output does not name the database (without user)"
for t in patients resultats; do
  decrypt pkg-db/$t.csv.age | lis same dest $t pkg-db/manifest.json || fail "dest $t differs from the package"
  pass
done
# Created with the manifest's column types (v2): the order's date:%d/%m/%Y
# column is a date.
[ "$(psql -X -At -d dest -c "SELECT data_type FROM information_schema.columns WHERE table_name = 'patients' AND column_name = 'DATE_DERNIERE_VISITE'")" = date ] ||
  fail "a date column was not created as date"
pass
$CORDON ledger show --json >ledger.jsonl 2>/dev/null
python3 - ledger.jsonl <<'PY' || fail "the ledger does not record the import as expected"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
opened = [e for e in ev if e["action"] == "open" and "into" in e][-1]
assert opened["into"] == {"database": "dest", "kind": "postgresql"}, opened["into"]
assert [t["name"] for t in opened["tables"]] == ["patients", "resultats"]
assert all(t["rows"] > 0 for t in opened["tables"])
PY
pass
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub \
  --into "$db/dest" --create-tables
expect_stderr "already exists"
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub \
  --into "postgresql://postgres:hunter2@127.0.0.1:$port/dest"
expect_stderr "holds a password"

# A UNIQUE violation in the second table: nothing of the first is committed.
psql -X -q -d postgres -c "CREATE DATABASE target"
lis sql target <<'SQL'
CREATE TABLE patients ("NUM_DOSSIER" TEXT, "NIR" TEXT, "NOM" TEXT, "PRENOM" TEXT, "DATE_NAISSANCE" TEXT,
                       "DATE_DERNIERE_VISITE" TEXT, "ORIGINE" TEXT DEFAULT 'cordon');
CREATE TABLE resultats ("NUM_DOSSIER" TEXT UNIQUE, date_prelevement TEXT, "CODE_ANALYSE" TEXT,
                        "RESULTAT" TEXT, "UNITE" TEXT);
INSERT INTO patients ("NUM_DOSSIER", "NOM") VALUES ('x', 'EXISTING');
SQL
before=$(lis dump target)
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into "$db/target"
expect_stderr "duplicate key value violates unique constraint"
expect_stderr "rolled back"
[ "$(lis dump target)" = "$before" ] || fail "a failed import changed the database"
pass
# Killed (SIGKILL) once patients is loaded and resultats waits: the server
# rolls the transaction back.
lis killed target -- $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into "$db/target"
[ "$(lis dump target)" = "$before" ] || fail "a killed import changed the database"
pass
# Without the constraint the same package loads (date_prelevement matched
# ignoring case).
lis sql target <<<'ALTER TABLE resultats DROP CONSTRAINT "resultats_NUM_DOSSIER_key";'
expect_code 0 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into "$db/target"
[ "$(lis dump target)" != "$before" ] || fail "the import loaded nothing"
pass
# A missing column is refused before any row.
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into "$db/gone"
expect_stderr "has no column PRENOM"
# A column whose type cannot hold the package's (manifest v2) is refused
# before any row: a date into an integer column.
psql -X -q -d postgres -c "CREATE DATABASE typed"
lis sql typed <<'SQL'
CREATE TABLE patients ("NUM_DOSSIER" TEXT, "NIR" TEXT, "NOM" TEXT, "PRENOM" TEXT, "DATE_NAISSANCE" TEXT,
                       "DATE_DERNIERE_VISITE" INTEGER);
SQL
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into "$db/typed"
expect_stderr "column DATE_DERNIERE_VISITE is integer; the package's DATE_DERNIERE_VISITE is date"
[ "$(psql -X -At -d typed -c 'SELECT count(*) FROM patients')" = 0 ] || fail "a refused import loaded rows"
pass

# TLS: the server with ssl = on and a self-signed certificate for
# 127.0.0.1, and connections without TLS rejected (pg_hba). sslmode=require
# and verify-full (with the certificate as the root) work and give the same
# rows; verify-full against another root fails, saying why.
(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.crt 2>/dev/null &&
 openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout other.key -out other.crt 2>/dev/null) ||
  fail "openssl cannot make a test certificate"
cp server.crt server.key "$PGD/data/"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGD/data/server.crt" "$PGD/data/server.key"
chmod 600 "$PGD/data/server.key"
as_pg tee -a "$PGD/data/postgresql.conf" >/dev/null <<'CONF'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
CONF
as_pg sh -c "{ echo 'hostnossl all all 127.0.0.1/32 reject'; cat '$PGD/data/pg_hba.conf'; } >'$PGD/data/hba.new' && mv '$PGD/data/hba.new' '$PGD/data/pg_hba.conf'"
as_pg "$PGBIN/pg_ctl" -D "$PGD/data" reload >/dev/null
sleep 1
# Without TLS the server now refuses (so the runs below used TLS).
$CORDON plan --order order.toml --source "$db/lis?sslmode=disable" >/dev/null 2>tls.err &&
  fail "a connection without TLS was accepted"
grep -q "pg_hba.conf rejects connection" tls.err || { cat tls.err >&2; fail "not refused for want of TLS"; }
# Another root: refused, saying the certificate does not verify.
$CORDON plan --order order.toml --source "$db/lis?sslmode=verify-full&sslrootcert=$T/other.crt" \
  >/dev/null 2>tls.err && fail "a certificate from another root was accepted"
grep -q "cannot connect over TLS" tls.err && grep -q "certificate verify failed" tls.err &&
  grep -q "sslrootcert must name the CA" tls.err || { cat tls.err >&2; fail "the TLS failure is not explained"; }
pass
extract "$db/lis?sslmode=require" pkg-tls
extract "$db/lis?sslmode=verify-full&sslrootcert=$T/server.crt" pkg-tls-verified
for t in patients resultats; do
  cmp -s <(decrypt pkg-tls/$t.csv.age) <(decrypt pkg-tls-verified/$t.csv.age) || fail "$t differs over TLS"
done
pass
# Credentials are recorded nowhere.
grep -rq hunter2 "$CORDON_LEDGER" && fail "the ledger holds the password"
pass

# No sample value in clear outside the cluster: every file written since the
# test began, in /tmp, the scratch (working) directory and $HOME.
rm -rf src
mapfile -t samples < <(decrypt pkg-db/patients.csv.age | tail -n +2 | head -5 | cut -d, -f2)
[ "${#samples[@]}" -eq 5 ] || fail "no samples"
patterns=()
for v in "${samples[@]}"; do patterns+=(-e "$v"); done
leaks=$(find /tmp "$T" "$HOME" -xdev -type f -newer .start ! -path "$PGD/*" \
          ! -path "$HOME/.claude/*" -print0 2>/dev/null |
        xargs -0 -r grep -lF "${patterns[@]}" 2>/dev/null || true)
[ -z "$leaks" ] || fail "sample values in clear in: $leaks"
pass
done_ok
