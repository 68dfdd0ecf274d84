"""Data of pushdown_test.sh: a parent (pat), a child following it (a table
named like SQL, `re"s; DROP TABLE pat; --`, whose key column is P'ID) and a
grandchild following the child (obs), with the values pushdown gets wrong
when it is not exact: NULL next to '', case and accents, quotes and
backslashes, '%', '_', '*', '[', keys that are empty on both sides.

  pg                         the SQL script for psql (typed columns)
  sqlite PATH                a SQLite database; its columns are untyped, and
                             a value is stored as an integer, a real or text
                             in turn ('10' next to 10 and 10.0)
"""

import random
import sqlite3
import sys

CHILD = 're"s; DROP TABLE pat; --'
NAMES = ["DUPONT", "Dupont", "dupont", "O'Brien", "a\\b", "x$$y", "", None, "Émile", "emile",
         "Zoë", "d_p", "DUP", "'; DROP TABLE pat; --", "x' OR '1'='1", "50%", "a*b", "[x]",
         "MARTIN", "tab\tin"]
CODES = ["GLY", "G_Y", "HBA", "", None, "gly", "O'K"]


def rows():
    r = random.Random(11)
    pats, res, obs = [], [], []
    keys = [str(i) for i in range(1, 121)] + ["", None, "x'y", "É", "007"]
    for i, key in enumerate(keys):
        n = None if r.random() < 0.1 else r.randrange(-20, 120)
        d = None if r.random() < 0.1 else "%04d-%02d-%02d" % (
            r.randrange(2014, 2022), r.randrange(1, 13), r.randrange(1, 29))
        pats.append((key, r.choice(NAMES), n, d))
    fks = keys + ["999", "7 ", "x''y"]
    for j in range(400):
        rid = None if r.random() < 0.05 else "R%d" % j
        res.append((r.choice(fks), rid, r.choice(CODES), None if r.random() < 0.1 else r.randrange(0, 10)))
    for k in range(300):
        obs.append(("R%d" % r.randrange(0, 420) if r.random() > 0.05 else r.choice(["", None]), k))
    return pats, res, obs


def q(name):
    return '"' + name.replace('"', '""') + '"'


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "E'" + v.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t") + "'"


def pg():
    pats, res, obs = rows()
    out = ['CREATE TABLE pat ("ID" text, "NOM" text, "N" integer, "D" date);',
           'CREATE TABLE %s ("P\'ID" text, "RID" varchar(10), "CODE" text, "V" bigint);' % q(CHILD),
           'CREATE TABLE obs ("RID" text, "X" integer);']
    for table, data in (("pat", pats), (q(CHILD), res), ("obs", obs)):
        for row in data:
            out.append("INSERT INTO %s VALUES (%s);" % (table, ", ".join(lit(v) for v in row)))
    print("\n".join(out))


def sqlite(path):
    pats, res, obs = rows()
    db = sqlite3.connect(path)
    db.execute('CREATE TABLE pat ("ID", "NOM" TEXT COLLATE NOCASE, "N", "D")')
    db.execute('CREATE TABLE %s ("P\'ID", "RID", "CODE", "V")' % q(CHILD))
    db.execute('CREATE TABLE obs ("RID", "X")')

    def mixed(v, i):  # an all-digit text stored as an integer, a real, or text
        if isinstance(v, str) and v.isdigit() and not v.startswith("0"):
            return [int(v), v, int(v)][i % 3]
        if isinstance(v, int):
            return [v, str(v), float(v)][i % 3]
        return v

    for i, (key, nom, n, d) in enumerate(pats):
        db.execute("INSERT INTO pat VALUES (?, ?, ?, ?)", (mixed(key, i), nom, mixed(n, i), d))
    for i, (fk, rid, code, v) in enumerate(res):
        db.execute("INSERT INTO %s VALUES (?, ?, ?, ?)" % q(CHILD),
                   (mixed(fk, i + 1), rid, code, mixed(v, i)))
    db.executemany("INSERT INTO obs VALUES (?, ?)", obs)
    db.commit()
    db.close()


if __name__ == "__main__":
    if sys.argv[1] == "pg":
        pg()
    else:
        sqlite(sys.argv[2])
