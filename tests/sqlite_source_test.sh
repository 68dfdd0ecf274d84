#!/usr/bin/env bash
# A LIS-like SQLite database under the same signed order as its CSV export:
# `extract --source sqlite:` gives the CSV path's rows, row for row; only the
# order's columns are read (a column added after the plan never appears; a
# named column that is gone refuses the run); `open --into sqlite:` loads
# exactly the selection in one transaction; a constraint violation or a
# kill -9 midway leaves the destination as it was; no sample value is left
# in clear anywhere but in the databases.
# The scratch directory is made beside the build (ctest's working
# directory), never in /tmp, and removed on exit.
export TMPDIR="${CORDON_SCENARIO_TMPDIR:-$PWD}"
. "$(dirname "$0")/lib.sh"
lis() { python3 "$HERE/sqlite_lis.py" "$@"; }
touch .start

migration_order 1500 90417
lis load src lab.db
$CORDON order sign order.toml -k ctrl.key >/dev/null
extract() {  # extract SOURCE OUT [args…]
  local src=$1 out=$2; shift 2
  expect_code 0 $CORDON extract --order order.toml --source "$src" --controller-key ctrl.key.pub \
    --signing-key vendor.key --out "$out" "$@"
}
decrypt() { age -d -i recipient.key "$1"; }

# order check and plan: the same fit and counts as the CSV export; the plan
# shows the one statement per table, the order's columns only.
expect_code 0 $CORDON order check order.toml --source sqlite:lab.db
grep -q "table patients ← patients (sqlite)" "$T/.out" || fail "order check does not name the sqlite source"
expect_code 0 $CORDON plan --order order.toml --source src --json
mv "$T/.out" plan-csv.json
expect_code 0 $CORDON plan --order order.toml --source sqlite:lab.db --json
python3 - plan-csv.json "$T/.out" <<'PY' || fail "plans differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for x, y in zip(a["tables"], b["tables"]):
    for k in ("rows_read", "rows_selected", "rows_excluded_by_where", "rows_excluded_by_follow"):
        assert x[k] == y[k], (x["name"], k)
    s = y["statement"]
    assert "*" not in s, s
    kept = [c["name"] for c in y["columns_kept"]]
    assert s.startswith("SELECT " + ", ".join('"%s"' % c for c in kept) + " FROM "), s
PY
pass
expect_code 0 $CORDON plan --order order.toml --source sqlite:lab.db
grep -q 'query    SELECT "NUM_DOSSIER", "NIR", "NOM", "PRENOM", "DATE_NAISSANCE", "DATE_DERNIERE_VISITE" FROM "patients" ORDER BY _rowid_' "$T/.out" ||
  fail "the text plan does not show the statement"

# extract: the same rows from both sources, decrypted through pipes only.
extract src pkg-csv
extract sqlite:lab.db pkg-db
for t in patients resultats; do
  cmp -s <(decrypt pkg-csv/$t.csv.age) <(decrypt pkg-db/$t.csv.age) || fail "$t differs between CSV and SQLite"
  pass
done
[ "$(decrypt pkg-db/resultats.csv.age | wc -l)" -gt 100 ] || fail "too few rows to compare"
# --sqlite-immutable reads the same (nobody writes lab.db now).
extract sqlite:lab.db pkg-imm --sqlite-immutable
cmp -s <(decrypt pkg-db/patients.csv.age) <(decrypt pkg-imm/patients.csv.age) || fail "immutable differs"
pass

# The test-server order (pseudonyms, synthetic values, shifted dates,
# redaction) gives the same package from both sources: every column its
# transforms look at is read, and no other.
key_id=$($CORDON pseudokey new -o lab.pseudokey 2>/dev/null)
sed -e "s/age1yqyu0hj6q2g5ehl9rq5wzt7tqw4dqwfzq6z7k4a3n3yj0yxw7w6qf3aw5r/$recipient/" \
    -e "s/^pseudonym_key_id = .*/pseudonym_key_id = \"$key_id\"/" \
    "$HERE/../docs/orders/lis-test-server.toml" >test-server.toml
$CORDON order sign test-server.toml -k ctrl.key >/dev/null
for src in src sqlite:lab.db; do
  expect_code 0 $CORDON extract --order test-server.toml --source "$src" --controller-key ctrl.key.pub \
    --signing-key vendor.key --pseudonym-key lab.pseudokey --out "pseudo-${src%%:*}"
done
for t in patients resultats; do
  cmp -s <(decrypt pseudo-src/$t.csv.age) <(decrypt pseudo-sqlite/$t.csv.age) || fail "pseudonymized $t differs"
  pass
done

# A column added after the plan was signed never leaves, and is not read.
lis sql lab.db <<<"ALTER TABLE patients ADD COLUMN TEL_PORTABLE TEXT; UPDATE patients SET TEL_PORTABLE = '0699887766';"
expect_code 0 $CORDON plan --order order.toml --source sqlite:lab.db --json
if grep -q TEL_PORTABLE <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"][0]["statement"])' "$T/.out"); then
  fail "the new column is read"
fi
pass
extract sqlite:lab.db pkg-added
if decrypt pkg-added/patients.csv.age | grep -q -e 0699887766 -e TEL_PORTABLE; then fail "the new column left"; fi
cmp -s <(decrypt pkg-db/patients.csv.age) <(decrypt pkg-added/patients.csv.age) || fail "a new column changed the rows"
pass
# A named column that is gone refuses the run, naming it; nothing written.
cp lab.db gone.db
lis sql gone.db <<<"ALTER TABLE patients DROP COLUMN PRENOM;"
expect_code 3 $CORDON extract --order order.toml --source sqlite:gone.db --controller-key ctrl.key.pub \
  --signing-key vendor.key --out pkg-gone
expect_stderr "unknown column PRENOM in patients"
[ ! -e pkg-gone ] && [ ! -e pkg-gone.partial ] || fail "a refused extract left a package"
expect_code 2 $CORDON plan --order order.toml --source mysql://h/lab
expect_stderr "unknown source mysql://"

# open --into: the selection, loaded as it left, in tables created with the
# manifest's column types (v2): the order's date:%d/%m/%Y column is a DATE
# holding ISO dates, the others TEXT.
expect_code 0 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub \
  --into sqlite:dest.db --create-tables
for t in patients resultats; do
  decrypt pkg-db/$t.csv.age | lis same dest.db $t pkg-db/manifest.json || fail "dest.db $t differs from the package"
  pass
done
[ "$(sqlite3 dest.db "SELECT type FROM pragma_table_info('patients') WHERE name = 'DATE_DERNIERE_VISITE'")" = DATE ] ||
  fail "a date column was not created as DATE"
[ "$(sqlite3 dest.db "SELECT count(*) FROM patients WHERE DATE_DERNIERE_VISITE NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'")" = 0 ] ||
  fail "dates were not loaded as ISO dates"
pass
$CORDON ledger show --json >ledger.jsonl 2>/dev/null
python3 - ledger.jsonl <<'PY' || fail "the ledger does not record the import as expected"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
opened = [e for e in ev if e["action"] == "open" and "into" in e][-1]
assert opened["into"] == {"database": "dest.db", "kind": "sqlite"}, opened["into"]
assert [t["name"] for t in opened["tables"]] == ["patients", "resultats"]
assert all(t["rows"] > 0 for t in opened["tables"])
assert "files" not in opened
PY
pass
# --create-tables never loads into an existing table; without it, a table
# must exist with the package's columns.
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub \
  --into sqlite:dest.db --create-tables
expect_stderr "already exists"

# A package that fails its checks creates nothing.
cp -r pkg-db tampered; flip_byte tampered/resultats.csv.age 3000
expect_code 3 $CORDON open tampered -i recipient.key --processor-key vendor.key.pub \
  --into sqlite:never.db --create-tables
expect_stderr "does not match the SHA-256"
[ ! -e never.db ] || fail "a refused open created the database"

# A UNIQUE violation in the second table: nothing of the first is committed.
lis sql target.db <<'SQL'
CREATE TABLE patients (NUM_DOSSIER TEXT, NIR TEXT, NOM TEXT, PRENOM TEXT, DATE_NAISSANCE TEXT,
                       DATE_DERNIERE_VISITE TEXT, ORIGINE TEXT DEFAULT 'cordon');
CREATE TABLE resultats (NUM_DOSSIER TEXT UNIQUE, DATE_PRELEVEMENT TEXT, CODE_ANALYSE TEXT,
                        RESULTAT TEXT, UNITE TEXT);
INSERT INTO patients (NUM_DOSSIER, NOM) VALUES ('x', 'EXISTING');
SQL
before=$(lis dump target.db); before_sum=$(sha256sum <target.db)
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into sqlite:target.db
expect_stderr "UNIQUE constraint failed: resultats.NUM_DOSSIER"
expect_stderr "rolled back"
[ "$(lis dump target.db)" = "$before" ] || fail "a failed import changed the database"
[ "$(sha256sum <target.db)" = "$before_sum" ] || fail "a failed import changed the file"
pass
# A missing column is refused before any row.
expect_code 3 $CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into sqlite:gone.db
expect_stderr "has no column PRENOM"

# kill -9 midway: cordon has inserted every row and waits to commit (a
# reader holds the database); killed there, it leaves the database as it
# was.
lis sql killed.db <<'SQL'
CREATE TABLE patients (NUM_DOSSIER TEXT, NIR TEXT, NOM TEXT, PRENOM TEXT, DATE_NAISSANCE TEXT,
                       DATE_DERNIERE_VISITE TEXT);
CREATE TABLE resultats (NUM_DOSSIER TEXT, DATE_PRELEVEMENT TEXT, CODE_ANALYSE TEXT, RESULTAT TEXT,
                        UNITE TEXT);
INSERT INTO patients (NUM_DOSSIER) VALUES ('kept');
SQL
before=$(lis dump killed.db)
lis hold killed.db ready release & holder=$!
for _ in $(seq 100); do [ -e ready ] && break; sleep 0.05; done
[ -e ready ] || fail "the reader did not start"
$CORDON open pkg-db -i recipient.key --processor-key vendor.key.pub --into sqlite:killed.db >/dev/null 2>&1 &
victim=$!
for _ in $(seq 400); do [ -e killed.db-journal ] && break; sleep 0.05; done
[ -e killed.db-journal ] || fail "the import never started writing"
sleep 0.3
kill -0 $victim 2>/dev/null || fail "the import ended before it could be killed"
kill -9 $victim; wait $victim 2>/dev/null || true
touch release; wait $holder
[ "$(lis dump killed.db)" = "$before" ] || fail "a killed import changed the database"
pass
# …and stays usable: the journal left behind is SQLite's to clean up.
lis sql killed.db <<<"INSERT INTO patients (NUM_DOSSIER) VALUES ('after');"
[ "$(lis dump killed.db)" != "$before" ] || fail "the database is not writable after the kill"
pass

# No sample value in clear outside the databases: every file written since
# the test began, in /tmp, the scratch (working) directory and $HOME.
rm -rf src
mapfile -t samples < <(decrypt pkg-db/patients.csv.age | tail -n +2 | head -5 | cut -d, -f2)
[ "${#samples[@]}" -eq 5 ] || fail "no samples"
patterns=()
for v in "${samples[@]}"; do patterns+=(-e "$v"); done
leaks=$(find /tmp "$T" "$HOME" -xdev -type f -newer .start \
          ! -name '*.db' ! -name '*.db-journal' ! -name '*.db-wal' ! -name '*.db-shm' \
          ! -path "$HOME/.claude/*" -print0 2>/dev/null |
        xargs -0 -r grep -lF "${patterns[@]}" 2>/dev/null || true)
[ -z "$leaks" ] || fail "sample values in clear in: $leaks"
pass
done_ok
