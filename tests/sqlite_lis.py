"""Helpers of sqlite_source_test.sh, with Python's own sqlite3 module (an
independent reader and writer of the databases cordon reads and loads).

  load SRC_DIR DB            a LIS-like database from `cordon testdata lis-fr`
                             CSVs (Windows-1252, ';'): every column TEXT,
                             rows in file order, empty fields NULL
  same DB TABLE [MANIFEST] < CSV
                             the table holds exactly the CSV's rows (cordon's
                             package CSV on stdin: UTF-8, ','), in order; with
                             the package's manifest (v2), each value as its
                             typed column holds it (dates ISO, numbers by value)
  sql DB < SCRIPT             runs an SQL script (as another application would)
  dump DB                    a digest of every table's rows (before/after)
  hold DB READY RELEASE      holds a read transaction (SHARED lock) from the
                             moment READY is created until RELEASE exists
"""
import csv
import glob
import hashlib
import io
import os
import sqlite3
import sys
import time
from lis_types import as_loaded, typed


def load(src, db):
    con = sqlite3.connect(db)
    for path in sorted(glob.glob(os.path.join(src, "*.csv"))):
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="cp1252", newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        header, body = rows[0], rows[1:]
        cols = ", ".join('"%s" TEXT' % h.replace('"', '""') for h in header)
        con.execute('CREATE TABLE "%s" (%s)' % (name, cols))
        marks = ", ".join("?" * len(header))
        con.executemany('INSERT INTO "%s" VALUES (%s)' % (name, marks),
                        [[v if v != "" else None for v in r] for r in body])
    con.commit()


def same(db, table, manifest=None):
    rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")))
    header, body = rows[0], rows[1:]
    con = sqlite3.connect(db)
    cols = ", ".join('"%s"' % h for h in header)
    got = [["" if v is None else str(v) for v in r]
           for r in con.execute('SELECT %s FROM "%s" ORDER BY rowid' % (cols, table))]
    kinds = typed(manifest, table)
    k = [kinds.get(h) for h in header]
    body = [[as_loaded(t, v) for t, v in zip(k, r)] for r in body]
    got = [[v if v == "" or t is None or t == "text" or t.startswith("date:")
            else repr(float(v)) for t, v in zip(k, r)] for r in got]
    if got != body:
        sys.exit("%s.%s: %d rows, the package has %d (or they differ)" %
                 (db, table, len(got), len(body)))


def sql(db):
    con = sqlite3.connect(db)
    con.executescript(sys.stdin.read())
    con.commit()


def dump(db):
    con = sqlite3.connect(db)
    h = hashlib.sha256()
    for (name,) in con.execute("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name"):
        h.update(name.encode())
        for row in con.execute('SELECT * FROM "%s" ORDER BY rowid' % name):
            h.update(repr(row).encode())
    print(h.hexdigest())


def hold(db, ready, release):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    con.execute("SELECT count(*) FROM sqlite_schema").fetchall()
    open(ready, "w").close()
    deadline = time.time() + 30
    while not os.path.exists(release) and time.time() < deadline:
        time.sleep(0.02)
    con.execute("COMMIT")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"load": load, "same": same, "sql": sql, "dump": dump, "hold": hold}[cmd](*args)
