"""Helpers of postgres_source_test.sh, with psql (PostgreSQL's own client:
an independent reader and writer of the databases cordon reads and loads).
Connection settings come from the environment (PGHOST, PGPORT, PGUSER).

  load DB SRC_DIR            a LIS-like database from `cordon testdata lis-fr`
                             CSVs (Windows-1252, ';'): every column TEXT, rows
                             in file order, empty fields NULL
  same DB TABLE [MANIFEST] < CSV
                             the table holds exactly the CSV's rows (cordon's
                             package CSV on stdin: UTF-8, ','), in order; with
                             the package's manifest (v2), each value as its
                             typed column holds it (dates ISO, numbers by value)
  sql DB < SCRIPT            runs an SQL script (as another application would)
  dump DB                    a digest of every table's rows (before/after)
  writer DB LOG -- CMD…      runs CMD (a cordon extract) while another
                             application writes: it locks resultats first, so
                             that cordon, once its snapshot is taken and
                             patients read, waits on resultats; then inserts
                             and updates rows of both tables and commits; CMD
                             then reads resultats after the writes. Exits
                             with CMD's status.
  killed DB -- CMD…          runs CMD (a cordon open --into) while resultats is
                             locked: once cordon has loaded patients and waits
                             for resultats, kills it (SIGKILL), then unlocks
"""

import csv
import hashlib
import io
import os
import subprocess
import sys
import time
from lis_types import as_loaded, typed


def psql(db, script=None, args=()):
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, *args]
    r = subprocess.run(cmd, input=script, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("psql failed: " + r.stderr)
    return r.stdout


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def load(db, src):
    for name in sorted(os.listdir(src)):
        if not name.endswith(".csv"):
            continue
        path = os.path.join(src, name)
        with open(path, encoding="cp1252", newline="") as f:
            header = next(csv.reader(f, delimiter=";"))
        table = quote(name[:-4])
        cols = ", ".join(quote(h) + " TEXT" for h in header)
        psql(db, "CREATE TABLE %s (%s);\n" % (table, cols))
        # Unquoted empty fields are NULL in COPY's CSV format.
        psql(db, args=["-c", "\\copy %s FROM '%s' WITH (FORMAT csv, DELIMITER ';', HEADER true, "
                             "ENCODING 'WIN1252')" % (table, path)])


def select_csv(db, table, cols):
    return psql(db, args=["-c", "\\copy (SELECT %s FROM %s) TO STDOUT WITH (FORMAT csv)" %
                          (", ".join(quote(c) for c in cols), quote(table))])


def same(db, table, manifest=None):
    rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")))
    header, body = rows[0], rows[1:]
    got = list(csv.reader(io.StringIO(select_csv(db, table, header))))
    kinds = typed(manifest, table)
    k = [kinds.get(h) for h in header]
    body = [[as_loaded(t, v) for t, v in zip(k, r)] for r in body]
    got = [[v if v == "" or t is None or t == "text" or t.startswith("date:")
            else repr(float(v)) for t, v in zip(k, r)] for r in got]
    if got != body:
        sys.exit("%s.%s: %d rows, the package has %d (or they differ)" %
                 (db, table, len(got), len(body)))


def sql(db):
    psql(db, sys.stdin.read())


def dump(db):
    h = hashlib.sha256()
    tables = psql(db, args=["-At", "-c", "SELECT tablename FROM pg_tables WHERE schemaname = "
                                         "'public' ORDER BY tablename"]).split()
    for t in tables:
        h.update(t.encode())
        h.update(psql(db, args=["-At", "-c", "SELECT t::text FROM %s t ORDER BY ctid" %
                                quote(t)]).encode())
    print(h.hexdigest())


def writer(db, log, _sep, *cmd):
    w = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    w.stdin.write("BEGIN;\nLOCK TABLE resultats IN ACCESS EXCLUSIVE MODE;\n\\echo locked\n")
    w.stdin.flush()
    assert w.stdout.readline().strip() == "locked"
    with open(log, "wb") as out:
        c = subprocess.Popen(list(cmd), stdout=out, stderr=subprocess.STDOUT)
        # cordon is waiting on resultats: its snapshot is taken.
        deadline = time.time() + 20
        while True:
            waiting = psql(db, args=["-At", "-c",
                                     "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
                                     "USING (pid) WHERE NOT l.granted AND "
                                     "a.application_name = 'cordon'"]).strip()
            if waiting != "0":
                break
            if c.poll() is not None or time.time() > deadline:
                w.kill()
                sys.exit("cordon never waited on resultats (it ended or took too long)")
            time.sleep(0.02)
        w.stdin.write("""
INSERT INTO patients SELECT "NUM_DOSSIER" || '-NEW', "NIR", 'WRITER', "PRENOM", "DATE_NAISSANCE",
  '01/01/2020' FROM patients;
UPDATE patients SET "NOM" = 'UPDATED';
INSERT INTO resultats SELECT "NUM_DOSSIER", "DATE_PRELEVEMENT", 'NEW', "RESULTAT", "UNITE"
  FROM resultats;
UPDATE resultats SET "RESULTAT" = '999';
COMMIT;
\\echo committed
""")
        w.stdin.flush()
        assert w.stdout.readline().strip() == "committed"
        w.stdin.close()
        w.wait()
        sys.exit(c.wait())


def waiting_cordon(db):
    return psql(db, args=["-At", "-c",
                          "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                          "WHERE NOT l.granted AND a.application_name = 'cordon'"]).strip() != "0"


def killed(db, _sep, *cmd):
    w = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    w.stdin.write("BEGIN;\nLOCK TABLE resultats IN ACCESS EXCLUSIVE MODE;\n\\echo locked\n")
    w.stdin.flush()
    assert w.stdout.readline().strip() == "locked"
    c = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not waiting_cordon(db):
        if c.poll() is not None or time.time() > deadline:
            w.kill()
            sys.exit("cordon never waited on resultats")
        time.sleep(0.02)
    c.kill()
    c.wait()
    w.stdin.write("ROLLBACK;\n")
    w.stdin.close()
    w.wait()
    # The server notices the dead client and ends its transaction.
    deadline = time.time() + 10
    while psql(db, args=["-At", "-c", "SELECT count(*) FROM pg_stat_activity "
                                      "WHERE application_name = 'cordon'"]).strip() != "0":
        if time.time() > deadline:
            sys.exit("the killed client's session lingers")
        time.sleep(0.05)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"load": load, "same": same, "sql": sql, "dump": dump, "writer": writer, "killed": killed}[cmd](*args)
